#!/usr/bin/env python3
"""The service shells stay thin and run the same plugins as the monolith.

Each services/<name>/main.cpp is at most 100 lines, includes only <streamgate/...> headers,
hands its work to streamgate::RunService, and registers the plugin factory of its service from
<streamgate/plugins.h>; the monolith registers exactly the factories of the eight services behind
the gateway, so no route exists in one shape only. services/CMakeLists.txt builds all ten.

Usage: service_shells_test.py SOURCE_DIR
"""
import os
import re
import sys

MAX_LINES = 100
# Service directory -> the factory of include/streamgate/plugins.h it registers.
FACTORIES = {"api-gateway": "NewGatewayPlugin", "upload": "NewUploadPlugin",
             "transcoder": "NewTranscoderPlugin", "streaming": "NewStreamingPlugin",
             "metadata": "NewMetadataPlugin", "cache": "NewCachePlugin", "auth": "NewAuthPlugin",
             "worker": "NewWorkerPlugin", "monitor": "NewMonitorPlugin"}
MONOLITH = "streamgate"
# Plugins only the monolith runs: the web app needs the monolith's local stores (docs/web.md).
MONOLITH_ONLY = {"NewWebPlugin"}

FAILURES = []


def check(condition, what, detail=""):
    if condition:
        print(f"PASS  {what}")
    else:
        print(f"FAIL  {what}" + (f"\n      {detail}" if detail else ""))
        FAILURES.append(what)
    return condition


def strip_comments(code):
    code = re.sub(r"/\*.*?\*/", "", code, flags=re.S)
    return re.sub(r"//[^\n]*", "", code)


def main():
    source = sys.argv[1]
    services_dir = os.path.join(source, "services")
    with open(os.path.join(source, "include", "streamgate", "plugins.h")) as f:
        declared = set(re.findall(r"\b(New[A-Za-z]+Plugin)\(\)", f.read()))
    check(declared == set(FACTORIES.values()) | MONOLITH_ONLY,
          "plugins.h declares one factory per service", str(sorted(declared)))

    shells = sorted(d for d in os.listdir(services_dir)
                    if os.path.isfile(os.path.join(services_dir, d, "main.cpp")))
    check(set(shells) == set(FACTORIES) | {MONOLITH}, "the monolith and the nine services have a "
          "main.cpp", str(shells))
    with open(os.path.join(services_dir, "CMakeLists.txt")) as f:
        cmake = f.read()
    listed = re.search(r"set\(STREAMGATE_SERVICES([^)]*)\)", cmake)
    check(listed is not None and set(listed.group(1).split()) == set(shells),
          "services/CMakeLists.txt builds every shell")

    used = {}
    for name in shells:
        path = os.path.join(services_dir, name, "main.cpp")
        with open(path) as f:
            text = f.read()
        lines = text.count("\n")
        check(lines <= MAX_LINES, f"{name}: main.cpp has {lines} <= {MAX_LINES} lines")
        includes = re.findall(r"^\s*#\s*include\s*(\S+)", text, flags=re.M)
        foreign = [i for i in includes if not re.fullmatch(r"<streamgate/[a-z0-9_]+\.h>", i)]
        check(includes and not foreign, f"{name}: includes only <streamgate/...>", str(foreign))
        code = strip_comments(text)
        check(len(re.findall(r"\bRunService\(", code)) == 1, f"{name}: one call to RunService")
        check("int main(" in code, f"{name}: defines main")
        used[name] = set(re.findall(r"\b(New[A-Za-z]+Plugin)\b", code))
        if name in FACTORIES:
            check(used[name] == {FACTORIES[name]}, f"{name}: registers {FACTORIES[name]} only",
                  str(sorted(used[name])))
            port = re.search(r'\{\s*"' + re.escape(name) + r'"\s*,\s*(\d+)\s*\}', code)
            check(port is not None, f"{name}: names itself in its ServiceInfo")

    behind_gateway = {f for s, f in FACTORIES.items() if s != "api-gateway"}
    check(used.get(MONOLITH) == behind_gateway | MONOLITH_ONLY,
          "the monolith registers the same plugin factories as the eight services behind the "
          "gateway, plus the web app", str(sorted(used.get(MONOLITH, set()) ^ (behind_gateway | MONOLITH_ONLY))))

    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
