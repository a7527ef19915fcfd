# ruff: noqa: ANN001, ANN202, PLC0415
"""heapscope's agent: the code that runs inside the target process.

The injected bootstrap compiles this file and calls ``_run(DIR, KEY)`` under
the GIL, in the target's main thread.  It must not disturb the target:

* it imports nothing the target has not imported already (it reaches
  ``posix``, ``_imp`` and ``_frozen_importlib`` through ``sys.modules``),
  except heapscope's own extension, which it loads once and keeps in
  ``sys.modules['_heapscope_agent_v3']``;
* it binds no names in ``__main__`` (it runs in private globals);
* it never raises: errors go to the result file.

The request is ``DIR/request-KEY`` (``key=value`` lines); the answer is
``DIR/result-KEY``, written to a temporary name first and renamed, so the
tool never reads half of it.  It is JSON, written without the json module
and without ``repr()`` of containers (which would create the thread's
``Py_Repr`` list on first use).
"""

MODULE_KEY = "_heapscope_agent_v3"


def _load(sys, px, path):
    mod = sys.modules.get(MODULE_KEY)
    if mod is not None:
        return mod
    imp = sys.modules["_imp"]
    spec_type = sys.modules["_frozen_importlib"].ModuleSpec
    try:
        mod = imp.create_dynamic(spec_type("_heapscope", None, origin=path))
    except ImportError:
        # noexec /tmp in the target's mount namespace: load it from memory.
        data = _read_file(px, path)
        fd = px.memfd_create("heapscope-agent")
        try:
            px.write(fd, data)
            mod = imp.create_dynamic(spec_type("_heapscope", None, origin=f"/proc/self/fd/{fd}"))
        finally:
            px.close(fd)
    imp.exec_dynamic(mod)
    mod._hs_sessions = {}
    mod._hs_run = _run  # later bootstraps call this: no new code objects per request
    sys.modules[MODULE_KEY] = mod
    return mod


def _read_file(px, path):
    fd = px.open(path, px.O_RDONLY)
    try:
        chunks = []
        while True:
            chunk = px.read(fd, 65536)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    finally:
        px.close(fd)


def _write_file(px, path, data):
    fd = px.open(path, px.O_WRONLY | px.O_CREAT | px.O_TRUNC, 0o600)
    try:
        while data:
            data = data[px.write(fd, data) :]
    finally:
        px.close(fd)


def _parse_request(data):
    req = {}
    for line in data.decode("utf-8").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            req[key] = value
    return req


def _analyze_args(sys, mod, directory):
    tm = sys.modules.get("_tracemalloc")
    if tm is None and (
        sys._xoptions.get("tracemalloc") or sys.modules["posix"].environ.get(b"PYTHONTRACEMALLOC")
    ):
        # Tracing since startup (-X tracemalloc, PYTHONTRACEMALLOC) imports nothing:
        # _tracemalloc is a builtin C module, importing it runs no Python code.
        tm = __import__("_tracemalloc")
    traceback_fn = tm._get_object_traceback if tm is not None and tm.is_tracing() else None
    home = _run.__code__.co_filename.rsplit("/", 1)[0] + "/"  # where this code was first loaded from
    # The extension adds heapscope's own files, the standard library and frozen
    # modules to the sites left out, as it does in process; the staging directory too.
    return {"tool_dir": home, "traceback_fn": traceback_fn, "site_exclude": (directory + "/",)}


def _json(value):
    """JSON text of plain values (the target may not have imported json).

    The fallback when the extension is not loaded; `_heapscope.json_dumps` writes the same in C.
    """
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return repr(value) if value == value and value not in (float("inf"), float("-inf")) else "null"
    if isinstance(value, str):
        out = []
        for ch in value:
            code = ord(ch)
            if ch == '"' or ch == "\\":
                out.append("\\" + ch)
            elif code < 32 or 0xD800 <= code <= 0xDFFF:
                out.append(f"\\u{code:04x}")
            else:
                out.append(ch)
        return '"' + "".join(out) + '"'
    if isinstance(value, dict):
        return "{" + ",".join(_json(str(k)) + ":" + _json(v) for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_json(v) for v in value) + "]"
    return _json(str(value))


def _grew_every_time(mod, series):
    # The extension's rule (src/core/hs_verdict.c), as every front end asks it.
    return [name for name, counts, sizes in series if mod.verdict(counts, sizes) & mod.VERDICT_LEAK]


def _explain(sys, mod, directory, req, out, own_globals, session, types, *, stories, sites):
    # The stories of the objects of `types` born since the session's first
    # sample (with allocation sites when `sites` and tracemalloc traces).
    kw = _analyze_args(sys, mod, directory)
    snap = mod.analyze(
        types=types,
        baseline=session[0],
        max_stories=int(req.get("stories", str(stories))),
        tool_dir=kw["tool_dir"],
        traceback_fn=kw["traceback_fn"] if sites else None,
        site_exclude=kw["site_exclude"],
        own=(req, out, kw, session, mod._hs_sessions, own_globals),
    )
    return snap.results()


def _finish(sys, mod, directory, req, out, own_globals):
    # The session's series, the types that grew in every interval and, with
    # explain=1, their stories; the session ends in the target.
    sessions = mod._hs_sessions
    session = sessions.pop(req["session"], [])
    series = mod.series(session) if len(session) > 1 else []
    out["series"] = [(name, list(counts), list(sizes)) for name, counts, sizes in series]
    types = _grew_every_time(mod, series)
    out["leak_types"] = types
    if types and req.get("explain") == "1":
        out["results"] = _explain(
            sys, mod, directory, req, out, own_globals, session, types, stories=10, sites=True
        )
    out["tracing"] = _analyze_args(sys, mod, directory)["traceback_fn"] is not None


def _work(sys, px, directory, req, own_globals):
    mod = _load(sys, px, directory + "/" + req["ext"])
    sessions = mod._hs_sessions
    op = req["op"]
    gc = sys.modules["gc"]  # the extension imported it
    out = {"pid": px.getpid(), "python": sys.version.split()[0]}
    if op == "census":
        gc.collect()
        session = sessions.setdefault(req["session"], [])
        census = mod.census(keep_addresses=not session and req.get("addresses", "1") == "1")
        out.update(count=census.count, size=census.size, seconds=census.seconds, types=census.ntypes)
        out["diff"] = census.diff(session[-1]) if session else []
        if req.get("rows") == "1":
            out["rows"] = census.rows()  # every type's count and bytes (--metrics)
        if req.get("keep_last") == "1":
            del session[1:]  # --watch: the first sample (the baseline) and the previous one
        session.append(census)
        if req.get("finish") == "1":  # the last sample and the verdict in one injection
            _finish(sys, mod, directory, req, out, own_globals)
    elif op == "explain":
        # --watch --metrics: the retained bytes of the suspect types' objects born
        # since the session's first sample, as their stories count them.
        session = sessions.get(req["session"]) or []
        types = [t for t in req.get("types", "").split("\t") if t]
        retained = 0
        if types and session:
            results = _explain(
                sys, mod, directory, req, out, own_globals, session, types, stories=50, sites=False
            )
            stories = (results.get("leaks") or {}).get("stories") or []
            retained = sum(st["retained_size"] for st in stories)
        out["retained"] = retained
    elif op == "finish":
        _finish(sys, mod, directory, req, out, own_globals)
    elif op == "exec":
        out.update(_exec(sys, px, directory, req))
    elif op == "drop":
        sessions.pop(req["session"], None)
    elif op == "snapshot":
        gc.collect()
        kw = _analyze_args(sys, mod, directory)
        tool_dir, traceback_fn, site_exclude = kw["tool_dir"], kw["traceback_fn"], kw["site_exclude"]
        snap = mod.analyze(
            top=int(req.get("top", "20")),
            tool_dir=tool_dir,
            traceback_fn=traceback_fn,
            site_exclude=site_exclude,
            own=(req, out, kw, sessions, own_globals),
            labels=True,
        )
        path = directory + "/snapshot-" + req["key"] + ".hsnap"
        # The extension writes the standard metadata (Python, pid, time, argv) and the answers.
        snap.save(path, {"heapscope": req.get("version", ""), "attached": "1"}, snap.results())
        out["path"] = path
        out["stats"] = snap.stats()
    else:
        out["error"] = "unknown request " + op
    return out


def _run(directory, key):
    import sys

    px = sys.modules["posix"]
    mod = sys.modules.get(MODULE_KEY)
    # Once the extension is loaded, its file calls keep the GIL: each of os's
    # releases it and, in a busy target, waits behind every thread to get it back.
    claim = mod._agent_claim if mod is not None else (lambda p: _claim(px, p))
    exists = mod._agent_exists if mod is not None else (lambda p: _exists(px, p))
    if not claim(directory + "/claimed-" + key):
        return  # another injection of the same request ran it, or the tool gave up
    if exists(directory + "/cancel-" + key):
        return
    try:
        path = directory + "/request-" + key
        req = _parse_request(mod._agent_read(path) if mod is not None else _read_file(px, path))
        req["key"] = key
        out = _work(sys, px, directory, req, globals())
    except BaseException as exc:  # never let anything escape into the target
        out = {"error": type(exc).__name__ + ": " + str(exc)}
    mod = sys.modules.get(MODULE_KEY)  # loaded by now, unless loading failed
    try:
        text = mod.json_dumps(out) if mod is not None else _json(out)  # C: no GIL handoffs midway
    except BaseException:  # a value the C writer refuses: the slow writer takes anything
        text = _json(out)
    data = text.encode("utf-8")
    tmp, final = directory + "/result-" + key + ".tmp", directory + "/result-" + key
    if mod is not None:
        mod._agent_write(tmp, final, data)
    else:
        _write_file(px, tmp, data)
        px.replace(tmp, final)


def _exec(sys, px, directory, req):
    """`heapscope exec`: the user's script, here, with its output going to files.

    Only writes from this thread go to DIR/stdout-KEY and DIR/stderr-KEY
    (line-buffered: the tool shows them as they come); other threads keep
    writing to the target's own streams.  Its globals are private and
    cleared afterwards."""
    io = sys.modules["_io"]
    ident = (sys.modules.get("_thread") or __import__("_thread")).get_ident
    me = ident()
    key = req["key"]
    files = [
        io.open(directory + "/" + name + "-" + key, "w", buffering=1, errors="backslashreplace")
        for name in ("stdout", "stderr")
    ]

    class Route:
        def __init__(self, mine, other) -> None:
            self._mine, self._other = mine, other

        def write(self, text):
            target = self._mine if ident() == me else self._other
            return target.write(text) if target is not None else len(text)

        def flush(self):
            target = self._mine if ident() == me else self._other
            if target is not None:
                target.flush()

        def __getattr__(self, name):  # noqa: ANN204
            return getattr(self._other if self._other is not None else self._mine, name)

    saved = sys.stdout, sys.stderr
    routes = Route(files[0], saved[0]), Route(files[1], saved[1])
    sys.stdout, sys.stderr = routes
    status = 0
    g = {"__name__": "__heapscope_exec__", "__file__": req["name"], "__builtins__": sys.modules["builtins"]}
    try:
        source = _read_file(px, req["script"])
        exec(compile(source, req["name"], "exec"), g)
    except SystemExit as exc:
        code = exc.code
        if code is None:
            status = 0
        elif isinstance(code, int):
            status = code
        else:
            files[1].write(str(code) + "\n")
            status = 1
    except BaseException as exc:
        status = 1
        tb = __import__("traceback")
        # The script's own frames only: the first is this function's.
        files[1].write("".join(tb.format_exception(type(exc), exc, exc.__traceback__.tb_next)))
    finally:
        # Put the streams back unless the script replaced them itself.
        if sys.stdout is routes[0]:
            sys.stdout = saved[0]
        if sys.stderr is routes[1]:
            sys.stderr = saved[1]
        for f in files:
            f.close()
        g.clear()
    return {"exit": status}


def _claim(px, path):
    try:
        px.close(px.open(path, px.O_CREAT | px.O_EXCL | px.O_WRONLY, 0o600))
        return True
    except OSError:
        return False


def _exists(px, path):
    try:
        px.stat(path)
        return True
    except OSError:
        return False
