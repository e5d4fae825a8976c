#!/usr/bin/env python3
"""Validates real `invr serve` replies against docs/openapi.yaml.

Starts the given invr binary with `serve` on a loopback port (the world, model,
store and event log come from the arguments; tests/serving/openapi_test.cc
writes the tiny world), calls every operation of the document with good and
bad requests, and checks each reply's status, Content-Type and body against
the response the document declares for that status; then again without a
store and an event log (the 503s, a null generation). Also checks that the
document is OpenAPI 3.1 whose schemas are valid JSON Schema 2020-12, that its
paths are exactly the server's routes (route_of in src/serving/prom_metrics.cc)
and that every operation was seen answering 2xx.

Exit 0: all valid; 1: a violation (listed); 77: python3-jsonschema or
python3-yaml is missing (the caller reports a skip).
"""
import argparse
import http.client
import json
import os
import re
import signal
import subprocess
import sys

try:
    import jsonschema
    import yaml
except ImportError as missing:  # the test reports this as a skip
    print(f"skip: {missing.name} is not installed (Debian: apt-get install python3-jsonschema python3-yaml)")
    sys.exit(77)

problems = []
seen_ok = set()  # (method, path) answered 2xx and validated
validated = 0


def fail(message):
    problems.append(message)
    print("FAIL:", message)


def validator_for(spec, schema):
    # Schemas refer to each other as #/components/...: resolve against a root
    # that carries the document's components.
    root = {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "components": spec["components"], "allOf": [schema]}
    return jsonschema.Draft202012Validator(root)


def resolve(spec, node):
    while isinstance(node, dict) and "$ref" in node:
        parts = node["$ref"].lstrip("#/").split("/")
        node = spec
        for part in parts:
            node = node[part]
    return node


def check_document(spec, routes_source):
    if not str(spec.get("openapi", "")).startswith("3.1"):
        fail(f"openapi must be 3.1.x, got {spec.get('openapi')!r}")
    for key in ("info", "paths", "components"):
        if key not in spec:
            fail(f"the document has no {key}")
    for name, schema in spec["components"]["schemas"].items():
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as e:
            fail(f"components.schemas.{name} is not valid JSON Schema: {e.message}")
    text = json.dumps(spec)
    for ref in set(re.findall(r'"\$ref": "([^"]+)"', text)):
        try:
            resolve(spec, {"$ref": ref})
        except KeyError:
            fail(f"$ref {ref} does not resolve")
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if not op.get("responses"):
                fail(f"{method.upper()} {path} declares no responses")
    routes = set(re.findall(r'if \(path == "([^"]+)"\) return Route::', open(routes_source).read()))
    documented = set(spec["paths"])
    for path in sorted(routes - documented):
        fail(f"the server routes {path} (route_of) but docs/openapi.yaml does not describe it")
    for path in sorted(documented - routes):
        fail(f"docs/openapi.yaml describes {path}, which the server does not route")


class Client:
    def __init__(self, spec, port):
        self.spec = spec
        self.port = port

    def call(self, method, path, query="", body=None, content_type="application/json", expect=200,
             check_request=True):
        """Sends a request and validates the reply against the declared response."""
        op = self.spec["paths"].get(path, {}).get(method.lower())
        if op is None:
            fail(f"{method} {path}: not in docs/openapi.yaml")
            return None
        if body is not None and not isinstance(body, str):
            if check_request and expect < 300:
                schema = op["requestBody"]["content"][content_type]["schema"]
                for error in validator_for(self.spec, schema).iter_errors(body):
                    fail(f"{method} {path}: the test's own request breaks the contract: {error.message}")
            body = json.dumps(body)
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        headers = {"Content-Type": content_type} if body is not None else {}
        connection.request(method, path + (f"?{query}" if query else ""), body=body, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        got_type = response.getheader("Content-Type", "")
        connection.close()
        where = f"{method} {path}{'?' + query if query else ''} ({expect})"
        if response.status != expect:
            fail(f"{where}: status {response.status}: {raw[:300]!r}")
            return None
        declared = resolve(self.spec, op["responses"].get(str(expect)))
        if declared is None:
            fail(f"{where}: docs/openapi.yaml declares no {expect} response")
            return None
        return self._validate(where, declared, got_type, raw, method, path, expect)

    def _validate(self, where, declared, got_type, raw, method, path, status):
        global validated
        media = declared.get("content", {})
        if got_type not in media:
            fail(f"{where}: Content-Type {got_type!r}, documented {sorted(media)}")
            return None
        schema = media[got_type]["schema"]
        value = json.loads(raw) if got_type == "application/json" else raw.decode("utf-8")
        errors = list(validator_for(self.spec, schema).iter_errors(value))
        for error in errors[:5]:
            fail(f"{where}: {'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}")
        validated += 1
        if not errors and status < 300:
            seen_ok.add((method, path))
        return value

    def error_reply(self, method, target, expect):
        """A 404/405: the documented Error body (the description's general rule)."""
        global validated
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        connection.request(method, target)
        response = connection.getresponse()
        raw = response.read()
        connection.close()
        if response.status != expect:
            fail(f"{method} {target}: status {response.status}, expected {expect}")
            return
        error_schema = {"$ref": "#/components/schemas/Error"}
        for error in validator_for(self.spec, error_schema).iter_errors(json.loads(raw)):
            fail(f"{method} {target} ({expect}): {error.message}")
        validated += 1


def platform_slate(ids):
    return [{"id": item, "score": 10.0 - i} for i, item in enumerate(ids)]


def exercise(client):
    c = client
    reply = c.call("GET", "/v1/recommend", "user=u1&n=8&arm=invr-user-rank")
    if reply and not any(item["source"] == "invr" for item in reply["items"]):
        fail("GET /v1/recommend: the InvR arm's slate has no invr item (the tiny world's g1 gives u1 two)")
    c.call("GET", "/v1/recommend", "user=nobody")  # fallback
    c.call("GET", "/v1/recommend", "user=u1&n=0", expect=400)
    c.call("GET", "/v1/recommend", "user=u1&arm=nope", expect=400)
    c.call("GET", "/v1/recommend", "user=u1&color=red", expect=400)

    batch = {"requests": [{"user": "u1", "n": 5}, {"user": "u0", "arm": "control"}, {"user": "nobody"}]}
    c.call("POST", "/v1/recommend/batch", body=batch)
    c.call("POST", "/v1/recommend/batch", body={"requests": [{"user": "u1"}, {"user": 5}]}, check_request=False)
    c.call("POST", "/v1/recommend/batch", body={"requests": [{"user": "u1"}] * 1001}, expect=413)
    c.call("POST", "/v1/recommend/batch", body={"requests": []}, expect=400)

    slate = platform_slate(["ext-a", "i1", "i3", "ext-b", "i4", "i5", "i6", "i7", "i8"])
    reply = c.call("POST", "/v1/insert", body={"user": "u1", "arm": "invr-user-rank", "slate": slate})
    if reply and reply["inserted"] < 1:
        fail("POST /v1/insert: nothing inserted for u1 on invr-user-rank")
    c.call("POST", "/v1/insert", body={"user": "u1", "arm": "control", "slate": slate, "n": 3})
    c.call("POST", "/v1/insert", body={"user": "u1", "slate": [{"id": "i1"}, {"id": "i1"}]}, expect=400)
    c.call("POST", "/v1/insert", body={"user": "u1", "slate": slate, "arm": "nope"}, expect=400)
    c.call("POST", "/v1/insert", body='{"user": "u1", "user": "u2", "slate": []}', expect=400)

    inserts = {"requests": [{"user": "u1", "slate": slate}, {"user": "u2", "slate": platform_slate(["i9"])}]}
    c.call("POST", "/v1/insert/batch", body=inserts)
    c.call("POST", "/v1/insert/batch", body={"requests": [{"user": "u1", "slate": slate}, {"user": "u1"}]},
           check_request=False)
    c.call("POST", "/v1/insert/batch", body={"requests": [{"user": "u1", "slate": slate}] * 1001}, expect=413)
    c.call("POST", "/v1/insert/batch", body="not json", expect=400)

    c.call("GET", "/v1/candidates", "user=u1")
    c.call("GET", "/v1/candidates", "user=u1&ordering=score&n=1")
    c.call("GET", "/v1/candidates", "user=u4")
    c.call("GET", "/v1/candidates", "user=u1&ordering=bogus", expect=400)

    events = '{"user":"u1","item":"i12","event":"impression","position":3}\n{"user":"u1","item":"i12","event":"click"}\n'
    c.call("POST", "/v1/events", body=events, content_type="application/x-ndjson")
    c.call("POST", "/v1/events", body='{"user":"u1","item":"i12","event":"view"}\n',
           content_type="application/x-ndjson", expect=400)

    item = {"id": "i13", "producer": "p1", "publish_time": 1699990000, "tokens": ["genre=new"]}
    c.call("POST", "/v1/items", body={"items": [item]})
    c.call("POST", "/v1/items", body={"items": [item]}, expect=409)
    c.call("POST", "/v1/items", body={"items": [dict(item, id="i14", publish_time="soon")]}, expect=400)

    c.call("GET", "/healthz")
    text = c.call("GET", "/metrics")
    if text is not None:
        for line in text.splitlines():
            if line and not line.startswith("#") and not re.match(r'^[a-z_]+(\{[^}]*\})? \S+$', line):
                fail(f"GET /metrics: not an exposition line: {line!r}")
                break
        if 'route="/v1/insert"' not in text:
            fail("GET /metrics: no series for route /v1/insert")

    c.error_reply("GET", "/v1/nothing", 404)
    c.error_reply("GET", "/v1/insert", 405)
    c.error_reply("POST", "/v1/recommend", 405)


def exercise_bare(client):
    """A server with no store and no event log: the 503s and the nulls."""
    c = client
    c.call("GET", "/v1/candidates", "user=u1", expect=503)
    c.call("POST", "/v1/events", body='{"user":"u1","item":"i1","event":"click"}\n',
           content_type="application/x-ndjson", expect=503)
    c.call("POST", "/v1/items", body={"items": [{"id": "i13", "producer": "p1", "publish_time": 1}]}, expect=503)
    reply = c.call("GET", "/v1/recommend", "user=u1&arm=invr-user-rank")
    if reply and reply["generation"] is not None:
        fail("GET /v1/recommend without a store: generation should be null")
    health = c.call("GET", "/healthz")
    if health and (health["store"] != "none" or health["generation"] is not None):
        fail(f"GET /healthz without a store: {health}")
    c.call("POST", "/v1/insert", body={"user": "u1", "slate": platform_slate(["i1", "i2"])})


def start_server(args, bare=False):
    command = [args.invr, "-q", "serve", "--data", args.data, "--name", args.name, "--model", args.model,
               "--port", "0", "--now", args.now, "--refresh-seconds", "0", "--access-log", "off",
               "--http-threads", "2"]
    if not bare:
        # The item log beside the event log (a fresh folder per test).
        item_log = os.path.join(os.path.dirname(args.event_log), "added.item")
        command += ["--store", args.store, "--event-log", args.event_log, "--item-log", item_log]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    line = server.stdout.readline()
    try:
        listening = json.loads(line)["listening"]
    except (ValueError, KeyError):
        server.kill()
        server.wait()
        raise SystemExit(f"FAIL: invr serve printed no listening line (got {line!r}); command: {' '.join(command)}")
    return server, int(listening.rsplit(":", 1)[1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for flag in ("invr", "spec", "routes", "data", "name", "model", "store", "event-log", "now"):
        parser.add_argument("--" + flag, required=True)
    args = parser.parse_args()
    spec = yaml.safe_load(open(args.spec))
    check_document(spec, args.routes)
    for bare, run in ((False, exercise), (True, exercise_bare)):
        server, port = start_server(args, bare)
        try:
            run(Client(spec, port))
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                fail("invr serve did not exit on SIGTERM")
    for path, item in spec["paths"].items():
        for method in item:
            if (method.upper(), path) not in seen_ok:
                fail(f"{method.upper()} {path} was never seen answering a valid 2xx")
    print(f"{validated} replies validated against {os.path.basename(args.spec)}; {len(problems)} problem(s)")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
