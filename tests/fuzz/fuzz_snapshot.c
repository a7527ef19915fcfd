/*
 * Fuzz target for the snapshot file reader.
 *
 * With libFuzzer:  clang -fsanitize=fuzzer,address,undefined -Isrc/core \
 *                    tests/fuzz/fuzz_snapshot.c src/core/hs_*.c -o fuzz_snapshot
 *                  ./fuzz_snapshot tests/fuzz/corpus
 * Without (CI, every run): built with HS_FUZZ_REPLAY, it replays the corpus
 * files named on its command line through the same entry point.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "hs_objindex.h"
#include "hs_snapfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    hs_snapdata d;
    char err[256];
    if (hs_snap_read_buffer(data, size, &d, err, sizeof(err)) == HS_OK) {
        /* a file that parses must be fully usable */
        uint32_t v, e;
        uint64_t sum = 0;
        hs_objindex x;
        hs_graph_build_reverse(&d.graph);
        for (v = 0; v < d.n; v++)
            for (e = d.graph.fwd_off[v]; e < d.graph.fwd_off[v + 1]; e++)
                sum += d.graph.fwd[e] + hs_type_ids_get(&d.type_id, v) + hs_sizes_get(&d.size, v);
        /* the address index a loaded snapshot builds (hostile addresses:
         * sparse, beyond 48 bits, repeated), then every lookup */
        if (hs_objindex_init(&x, d.n) == HS_OK) {
            for (v = 0; v < d.n; v++)
                if (hs_objindex_put(&x, d.addr[v] ? (uintptr_t)d.addr[v] : 16, v, NULL) < 0)
                    break;
            for (v = 0; v < d.n; v++) {
                uint32_t w;
                if (hs_objindex_get(&x, (uintptr_t)d.addr[v], &w))
                    sum += w;
            }
        }
        hs_objindex_destroy(&x);
        (void)sum;
    }
    hs_snapdata_destroy(&d);
    return 0;
}

#ifdef HS_FUZZ_REPLAY
int main(int argc, char **argv) {
    int i, n = 0;
    for (i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        uint8_t *buf;
        long len;
        if (f == NULL) {
            fprintf(stderr, "cannot open %s\n", argv[i]);
            return 2;
        }
        fseek(f, 0, SEEK_END);
        len = ftell(f);
        fseek(f, 0, SEEK_SET);
        buf = malloc((size_t)len + 1);
        if (buf == NULL || fread(buf, 1, (size_t)len, f) != (size_t)len) {
            fclose(f);
            free(buf);
            return 2;
        }
        fclose(f);
        LLVMFuzzerTestOneInput(buf, (size_t)len);
        free(buf);
        n++;
    }
    printf("fuzz_snapshot replay: %d inputs, no crash\n", n);
    return 0;
}
#endif
