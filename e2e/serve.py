#!/usr/bin/env python3
"""Serves a built site (dist/) on localhost, gzip-compressed when the browser accepts it.

Used by `./x serve` and by the end-to-end tests, so both see what a real host sends: the .wasm,
the JS glue and the stylesheets travel compressed (about 40% of their size for the .wasm).

Python's own http.server sends every file as-is; this adds only the compression. Each file is
compressed once (level 9) and kept in memory, keyed by path and modification time, so a
rebuild is picked up. Usage: serve.py DIR PORT
"""

import gzip
import http.server
import os
import sys
import threading

# Types worth compressing (images and fonts are compressed already).
COMPRESSIBLE = (".wasm", ".js", ".css", ".html", ".json", ".svg", ".txt", ".md", ".jsonl")
# Files larger than this are sent as they are (nothing the page loads comes near it).
MAX_COMPRESS_BYTES = 64 * 1024 * 1024

_cache = {}
_lock = threading.Lock()


def _gzipped(path):
    st = os.stat(path)
    key = (path, st.st_mtime_ns, st.st_size)
    with _lock:
        hit = _cache.get(path)
        if hit and hit[0] == key:
            return hit[1]
    with open(path, "rb") as f:
        data = gzip.compress(f.read(), compresslevel=9, mtime=0)
    with _lock:
        _cache[path] = (key, data)
    return data


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".js": "text/javascript",
    }

    def send_head(self):
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            index = os.path.join(path, "index.html")
            if not self.path.split("?", 1)[0].endswith("/") or not os.path.isfile(index):
                return super().send_head()
            path = index
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if (
            not accepts
            or not path.endswith(COMPRESSIBLE)
            or not os.path.isfile(path)
            or os.path.getsize(path) > MAX_COMPRESS_BYTES
        ):
            return super().send_head()
        body = _gzipped(path)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        return _Bytes(body)

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))


class _Bytes:
    """A file-like object over bytes, for SimpleHTTPRequestHandler.copyfile."""

    def __init__(self, data):
        self.data = data
        self.pos = 0

    def read(self, n=-1):
        if n < 0:
            n = len(self.data) - self.pos
        chunk = self.data[self.pos : self.pos + n]
        self.pos += len(chunk)
        return chunk

    def close(self):
        pass


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: serve.py DIR PORT")
    directory, port = sys.argv[1], int(sys.argv[2])
    handler = lambda *a, **k: Handler(*a, directory=directory, **k)  # noqa: E731
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as httpd:
        print(f"serving {directory} at http://127.0.0.1:{port}/ (gzip)", flush=True)
        httpd.serve_forever()


if __name__ == "__main__":
    main()
