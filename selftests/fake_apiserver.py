#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A fake Kubernetes API server for kubenf-agent's tests (python3 stdlib).

Serves list and watch of the five kinds kubenf-agent reads, the way
kube-apiserver does over plain HTTP/1.1:

  GET /api/v1/{namespaces,pods,services}
  GET /apis/discovery.k8s.io/v1/endpointslices
  GET /apis/networking.k8s.io/v1/networkpolicies
      ?limit=N&continue=T                     a page of a list
      ?watch=1&resourceVersion=RV&timeoutSeconds=T&allowWatchBookmarks=true
                                              chunked stream, one JSON event
                                              per line, ended after T

and, for the test that drives it, control requests (JSON bodies):

  POST /fake/objects        {object}          ADDED or MODIFIED
  POST /fake/delete         {"kind","namespace","name","silent"?}
                                              DELETED (silent: no event, as
                                              if compacted away)
  POST /fake/compact        {}                events up to now are gone: a
                                              watch from before gets 410
  POST /fake/expire         {}                the RV moves on and every event
                                              is compacted away: open
                                              watches get an ERROR event
                                              with code 410, later ones from
                                              an older RV an HTTP 410
  POST /fake/bookmark       {}                open watches get a BOOKMARK
  POST /fake/lag            {"honour"?: bool} from now on lists are answered
                                              from a copy of the objects as
                                              they are now, at the current
                                              RV (a replica or cache that
                                              stopped following); honour:
                                              a list asking for a newer
                                              RV (resourceVersionMatch=
                                              NotOlderThan) gets 504 "Too
                                              large resource version", as
                                              kube-apiserver answers when
                                              its cache does not catch up
  POST /fake/catch-up       {}                lists are answered live again
  POST /fake/close          {}                open watches are cut (no final
                                              chunk: a dropped connection)
  POST /fake/raw            {"resource": R, "line": TEXT | "b64": BYTES}
                                              open watches of R get TEXT (or
                                              the bytes) as one line, as is
  POST /fake/fault          {"op": "list"|"watch", "resource": R|"*",
                             "count": N, "status": S | "hang": true |
                             "garbage": true | "huge": BYTES | "delay": SEC}
                                              the next N matching requests
                                              fail that way
  POST /fake/clear-faults   {}                faults not used up are dropped
  GET  /fake/stats                            {"requests": [...], "open": n,
                                               "open_by": {R: n}}

Usage: fake_apiserver.py [--port N] [--state LIST.json]... [--token T]
Prints "PORT <n>" on stdout once listening. With --token, API requests
must carry "Authorization: Bearer T" (401 otherwise).
"""

import argparse
import base64
import copy
import json
import select
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KINDS = {
    # resource: (kind, apiVersion, path)
    "namespaces": ("Namespace", "v1", "/api/v1/namespaces"),
    "pods": ("Pod", "v1", "/api/v1/pods"),
    "services": ("Service", "v1", "/api/v1/services"),
    "endpointslices": ("EndpointSlice", "discovery.k8s.io/v1",
                       "/apis/discovery.k8s.io/v1/endpointslices"),
    "networkpolicies": ("NetworkPolicy", "networking.k8s.io/v1",
                        "/apis/networking.k8s.io/v1/networkpolicies"),
}
BY_PATH = {v[2]: k for k, v in KINDS.items()}
BY_KIND = {v[0]: k for k, v in KINDS.items()}


class Store:
    def __init__(self):
        self.cond = threading.Condition()
        self.rv = 100
        self.compacted = 0          # watches from an older RV get 410
        self.objects = {r: {} for r in KINDS}
        self.events = []            # (rv, resource, type, object)
        self.faults = []
        self.requests = []
        self.watch_gen = 0          # bumped by close/expire/bookmark
        self.control = []           # (watch_gen, what) for open watches
        self.open = 0
        self.open_by = {r: 0 for r in KINDS}
        self.lag = None             # (rv, objects, honour) under /fake/lag

    @staticmethod
    def key(res, obj):
        meta = obj.get("metadata", {})
        ns = "" if res == "namespaces" else meta.get("namespace", "default")
        return (ns, meta.get("name", ""))

    def put(self, obj, event=True):
        res = BY_KIND.get(obj.get("kind"))
        if res is None:
            raise ValueError("unknown kind %r" % obj.get("kind"))
        with self.cond:
            self.rv += 1
            obj = copy.deepcopy(obj)
            obj.setdefault("metadata", {})["resourceVersion"] = str(self.rv)
            k = self.key(res, obj)
            kind = "MODIFIED" if k in self.objects[res] else "ADDED"
            self.objects[res][k] = obj
            if event:
                self.events.append((self.rv, res, kind, obj))
            self.cond.notify_all()

    def delete(self, kind, ns, name, silent=False):
        res = BY_KIND[kind]
        with self.cond:
            k = ("" if res == "namespaces" else ns or "default", name)
            obj = self.objects[res].pop(k, None)
            if obj is None:
                return False
            self.rv += 1
            obj = copy.deepcopy(obj)
            obj["metadata"]["resourceVersion"] = str(self.rv)
            if silent:
                self.compacted = self.rv
            else:
                self.events.append((self.rv, res, "DELETED", obj))
            self.cond.notify_all()
            return True

    def take_fault(self, op, res):
        with self.cond:
            for f in self.faults:
                if f["op"] == op and f.get("resource", "*") in ("*", res):
                    f["count"] -= 1
                    if f["count"] <= 0:
                        self.faults.remove(f)
                    return f
        return None

    def signal(self, what):
        with self.cond:
            self.watch_gen += 1
            if what == "expire":
                # The resourceVersion moves on (etcd's does with any
                # write): a watch restarted from where it was, between
                # this and its next list, gets 410 too.
                self.rv += 1
                self.compacted = self.rv
            self.control.append((self.watch_gen, what, self.rv))
            self.cond.notify_all()


STORE = Store()
TOKEN = None


def status(code, reason, message):
    return {"kind": "Status", "apiVersion": "v1", "metadata": {},
            "status": "Failure", "message": message, "reason": reason,
            "code": code}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):      # quiet
        pass

    def send_json(self, code, obj, extra=None):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(n) or b"{}")

    # ---- control -------------------------------------------------------

    def do_POST(self):
        url = urllib.parse.urlparse(self.path)
        try:
            body = self.read_body()
        except ValueError:
            return self.send_json(400, status(400, "BadRequest", "not JSON"))
        op = url.path
        if op == "/fake/objects":
            try:
                STORE.put(body)
            except ValueError as e:
                return self.send_json(400, status(400, "BadRequest", str(e)))
        elif op == "/fake/delete":
            if not STORE.delete(body["kind"], body.get("namespace", ""),
                                body["name"], body.get("silent", False)):
                return self.send_json(404, status(404, "NotFound", "no"))
        elif op == "/fake/compact":
            with STORE.cond:
                STORE.compacted = STORE.rv
        elif op == "/fake/lag":
            with STORE.cond:
                STORE.lag = (STORE.rv, copy.deepcopy(STORE.objects),
                             bool(body.get("honour")))
        elif op == "/fake/catch-up":
            with STORE.cond:
                STORE.lag = None
        elif op in ("/fake/expire", "/fake/bookmark", "/fake/close"):
            STORE.signal(op[len("/fake/"):])
        elif op == "/fake/raw":
            line = body.get("line", "").encode()
            if "b64" in body:
                line = base64.b64decode(body["b64"])
            STORE.signal(("raw", body["resource"], line))
        elif op == "/fake/fault":
            body.setdefault("count", 1)
            with STORE.cond:
                STORE.faults.append(body)
        elif op == "/fake/clear-faults":
            with STORE.cond:
                STORE.faults = []
        else:
            return self.send_json(404, status(404, "NotFound", op))
        self.send_json(200, {"rv": STORE.rv})

    # ---- the API -------------------------------------------------------

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        q = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        if url.path == "/fake/stats":
            with STORE.cond:
                return self.send_json(200, {"requests": STORE.requests,
                                            "open": STORE.open,
                                            "open_by": STORE.open_by,
                                            "rv": STORE.rv})
        res = BY_PATH.get(url.path)
        watch = q.get("watch") in ("1", "true")
        with STORE.cond:
            STORE.requests.append({"path": url.path, "query": q,
                                   "op": "watch" if watch else "list"})
            # Control signals from now on reach this watch.
            gen = STORE.watch_gen
        if res is None:
            return self.send_json(404, status(404, "NotFound", url.path))
        if TOKEN and self.headers.get("Authorization") != "Bearer " + TOKEN:
            return self.send_json(401, status(401, "Unauthorized",
                                              "Unauthorized"))
        fault = STORE.take_fault("watch" if watch else "list", res)
        if fault and "delay" in fault:
            time.sleep(fault["delay"])
            fault = None
        if fault and "status" in fault:
            code = fault["status"]
            return self.send_json(code, status(code, "Fault",
                                               "injected %d" % code))
        if watch:
            return self.watch(res, q, fault, gen)
        return self.list(res, q)

    def list(self, res, q):
        kind, api, _ = KINDS[res]
        limit = int(q.get("limit") or 0)
        with STORE.cond:
            objects, now = STORE.objects, STORE.rv
            if STORE.lag:
                now, objects, honour = STORE.lag
                want = q.get("resourceVersion") or ""
                if (honour and want.isdigit() and int(want) > now and
                        q.get("resourceVersionMatch") == "NotOlderThan"):
                    return self.send_json(504, status(
                        504, "Timeout",
                        "Too large resource version: %s, current: %d" %
                        (want, now)))
            if q.get("continue"):
                off, rv = q["continue"].split(":")
                off, rv = int(off), int(rv)
                if rv < STORE.compacted and not STORE.lag:
                    return self.send_json(410, status(
                        410, "Expired", "continue token expired"))
            else:
                off, rv = 0, now
            items = sorted(objects[res].items())
            items = [copy.deepcopy(o) for _, o in items]
        for o in items:                 # as the API server: no kind
            o.pop("kind", None)
            o.pop("apiVersion", None)
        page = items[off:off + limit] if limit else items[off:]
        meta = {"resourceVersion": str(rv)}
        if limit and off + limit < len(items):
            meta["continue"] = "%d:%d" % (off + limit, rv)
        self.send_json(200, {"kind": kind + "List", "apiVersion": api,
                             "metadata": meta, "items": page})

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def watch(self, res, q, fault, gen):
        try:
            rv = int(q.get("resourceVersion") or 0)
        except ValueError:
            rv = 0
        timeout = float(q.get("timeoutSeconds") or 300)
        with STORE.cond:
            # A lagging replica serves watches from the RV of its own
            # lists.
            too_old = rv < STORE.compacted and not (
                STORE.lag and rv == STORE.lag[0])
        if too_old and q.get("resourceVersion"):
            return self.send_json(410, status(
                410, "Expired", "too old resource version: %d (%d)" %
                (rv, STORE.compacted)))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        deadline = time.monotonic() + timeout
        with STORE.cond:
            STORE.open += 1
            STORE.open_by[res] += 1
        try:
            if fault and fault.get("hang"):
                # Headers, then silence until the client gives up.
                while time.monotonic() < deadline + 600:
                    r, _, _ = select.select([self.connection], [], [], 0.2)
                    if r and not self.connection.recv(1, socket.MSG_PEEK):
                        return
                return
            if fault and fault.get("garbage"):
                self.chunk(b"{this is not json\n")
            if fault and fault.get("huge"):
                self.chunk(b'{"type":"ADDED","object":{"x":"' +
                           b"a" * int(fault["huge"]) + b'"}}\n')
            self.stream(res, rv, gen, deadline,
                        q.get("allowWatchBookmarks") == "true")
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass
        finally:
            with STORE.cond:
                STORE.open -= 1
                STORE.open_by[res] -= 1

    def stream(self, res, rv, gen, deadline, bookmarks):
        kind, api, _ = KINDS[res]
        while True:
            out, end, cut = [], False, False
            with STORE.cond:
                for erv, eres, etype, obj in STORE.events:
                    if erv > rv and eres == res:
                        out.append({"type": etype, "object": obj})
                        rv = erv
                for cgen, what, crv in STORE.control:
                    if cgen <= gen:
                        continue
                    gen = cgen
                    if what == "bookmark" and bookmarks:
                        out.append({"type": "BOOKMARK", "object": {
                            "kind": kind, "apiVersion": api,
                            "metadata": {"resourceVersion": str(crv)}}})
                        rv = max(rv, crv)
                    elif what == "expire":
                        out.append({"type": "ERROR", "object": status(
                            410, "Expired", "too old resource version")})
                        end = True
                    elif what == "close":
                        cut = True
                    elif isinstance(what, tuple) and what[1] == res:
                        out.append(what[2])
                if not out and not end and not cut:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        end = True
                    else:
                        STORE.cond.wait(min(left, 0.5))
                        continue
            if cut:
                # Drop the connection without the final chunk.
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            for ev in out:
                if isinstance(ev, bytes):
                    self.chunk(ev + b"\n")
                else:
                    self.chunk(json.dumps(ev).encode() + b"\n")
            if end:
                self.chunk(b"")
                return


def main():
    global TOKEN
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--state", action="append", default=[])
    ap.add_argument("--token")
    args = ap.parse_args()
    TOKEN = args.token
    for path in args.state:
        with open(path) as f:
            doc = json.load(f)
        for obj in doc.get("items", [doc]):
            if obj.get("kind") in BY_KIND:
                STORE.put(obj, event=False)
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.allow_reuse_address = True
    srv = ThreadingHTTPServer((args.bind, args.port), Handler)
    print("PORT %d" % srv.server_address[1], flush=True)
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
