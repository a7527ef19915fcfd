#include "hs_core.h"

const char *hs_strerror(int err) {
    switch (err) {
    case HS_OK:
        return "success";
    case HS_ENOMEM:
        return "out of memory";
    case HS_EINVAL:
        return "invalid argument";
    case HS_ETOOBIG:
        return "heap too large for 32-bit object indexes";
    case HS_EFORMAT:
        return "malformed snapshot file";
    case HS_EVERSION:
        return "unsupported snapshot file version";
    case HS_EIO:
        return "input/output error";
    case HS_ETRUNC:
        return "snapshot file is truncated";
    case HS_ECHECKSUM:
        return "snapshot section checksum mismatch";
    case HS_ECALLBACK:
        return "a callback failed";
    default:
        return "unknown error";
    }
}
