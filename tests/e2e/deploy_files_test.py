#!/usr/bin/env python3
"""Checks the deployment files under deploy/ without running them.

Every YAML file parses (PyYAML, Debian python3-yaml). Every STREAMGATE_* variable that
docker-compose.yml, the Kubernetes manifests or the Dockerfile set is a config key that the
binary lists in --help (the one table of src/common/config_keys.cpp), with a value of its type
where the value is literal. Ports are those of SPEC.md in the compose services, their health
checks, the Deployments, their Services and every URL that names a service. Each of the nine
services has liveness /health and readiness /ready probes and resource requests and limits.

Usage: deploy_files_test.py SOURCE_DIR STREAMGATE_BINARY
"""
import glob
import os
import re
import subprocess
import sys
import urllib.parse

import yaml

# SPEC.md §1.
PORTS = {"api-gateway": 9090, "upload": 9091, "transcoder": 9092, "streaming": 9093,
         "metadata": 9005, "cache": 9006, "auth": 9007, "worker": 9008, "monitor": 9009}

FAILURES = []


def check(condition, what, detail=""):
    if condition:
        print(f"PASS  {what}")
    else:
        print(f"FAIL  {what}" + (f"\n      {detail}" if detail else ""))
        FAILURES.append(what)
    return condition


def config_keys(binary):
    """{env name: type} from `<binary> --help`."""
    out = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=30)
    keys = {}
    for line in out.stdout.splitlines():
        match = re.match(r"^\s+(STREAMGATE_[A-Z0-9_]+)\s+(\S+)\s+default:", line)
        if match:
            keys[match.group(1)] = match.group(2)
    return keys


def valid_value(kind, value):
    """Whether a literal value suits the key's type (as docs/configuration.md defines them)."""
    value = str(value)
    if kind == "integer":
        return re.fullmatch(r"[0-9]+", value) is not None
    if kind == "number":
        return re.fullmatch(r"[0-9]+(\.[0-9]+)?", value) is not None
    if kind == "boolean":
        return value.lower() in ("true", "false", "1", "0", "yes", "no", "on", "off")
    if kind.startswith("enum("):
        choices = kind[5:-1].lower().split("|")
        return value.lower() in choices
    if kind == "list(integer)":
        return re.fullmatch(r"[0-9]+(,[0-9]+)*", value) is not None
    return True  # string


def interpolated(value):
    """Values the operator provides (compose ${VAR}, placeholders) are not checked by type."""
    return "${" in str(value) or "REPLACE" in str(value)


def compose_env(environment):
    if isinstance(environment, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in environment)
    return dict(environment or {})


def url_port(url):
    parts = urllib.parse.urlsplit(url)
    return parts.hostname, parts.port


def check_urls_name_spec_ports(where, env):
    """STREAMGATE_GATEWAY_<SERVICE>_URL and STREAMGATE_MONITOR_SERVICES use the SPEC ports."""
    for key, value in env.items():
        match = re.fullmatch(r"STREAMGATE_GATEWAY_([A-Z_]+)_URL", key)
        if match and not interpolated(value):
            service = match.group(1).lower().replace("_", "-")
            host, port = url_port(value)
            check(service in PORTS and host.split(".")[0] == service and port == PORTS[service],
                  f"{where}: {key} names {service}:{PORTS.get(service)}", value)
    services = env.get("STREAMGATE_MONITOR_SERVICES")
    if services and not interpolated(services):
        listed = {}
        for item in str(services).split(","):
            name, url = item.split("=", 1)
            listed[name] = url_port(url)
        check(set(listed) == set(PORTS) and
              all(listed[n][0].split(".")[0] == n and listed[n][1] == PORTS[n] for n in PORTS),
              f"{where}: STREAMGATE_MONITOR_SERVICES lists the nine at their SPEC ports", services)


def main():
    source, binary = sys.argv[1], sys.argv[2]
    deploy = os.path.join(source, "deploy")
    keys = config_keys(binary)
    if not check(len(keys) > 50 and "STREAMGATE_SERVER_PORT" in keys,
                 "the binary's --help lists the config keys", f"{len(keys)} keys"):
        return 1

    documents = {}
    for path in sorted(glob.glob(os.path.join(deploy, "**", "*.y*ml"), recursive=True)):
        name = os.path.relpath(path, source)
        try:
            with open(path) as f:
                documents[name] = [d for d in yaml.safe_load_all(f) if d is not None]
            check(documents[name], f"{name} parses as YAML")
        except yaml.YAMLError as error:
            check(False, f"{name} parses as YAML", str(error))
    check("deploy/docker-compose.yml" in documents, "deploy/docker-compose.yml exists")
    check(any(n.startswith("deploy/k8s/") for n in documents), "deploy/k8s/ has manifests")

    # Every STREAMGATE_* setting in every file: (where, name, value).
    settings = []

    # docker-compose.yml
    compose = (documents.get("deploy/docker-compose.yml") or [{}])[0]
    services = compose.get("services", {})
    images = {s.get("image", "") for s in services.values()}
    check("redis" in services and any("redis" in i for i in images), "compose: a Redis service")
    check(any("minio" in i for i in images), "compose: an S3-compatible store (MinIO)")
    for name, port in PORTS.items():
        service = services.get(name)
        if not check(service is not None, f"compose: service {name}"):
            continue
        check(service.get("command") == [f"streamgate-{name}"],
              f"compose: {name} runs streamgate-{name}", str(service.get("command")))
        check(service.get("image") == "streamgate:latest" and
              (service.get("build") or {}).get("dockerfile") == "deploy/Dockerfile",
              f"compose: {name} runs the image of deploy/Dockerfile")
        env = compose_env(service.get("environment"))
        settings += [(f"compose {name}", k, v) for k, v in env.items()]
        check(str(env.get("STREAMGATE_SERVER_PORT")) == str(port),
              f"compose: {name} listens on {port}", str(env.get("STREAMGATE_SERVER_PORT")))
        health = " ".join(map(str, (service.get("healthcheck") or {}).get("test", [])))
        check(f"127.0.0.1:{port}/ready" in health, f"compose: {name} health check GETs /ready",
              health)
        check_urls_name_spec_ports(f"compose {name}", env)
    gateway_ports = (services.get("api-gateway") or {}).get("ports", [])
    check(any(str(p).endswith(":9090") for p in gateway_ports), "compose: the gateway is published",
          str(gateway_ports))

    # Kubernetes
    k8s = [d for n, docs in documents.items() if n.startswith("deploy/k8s/") for d in docs]
    by_kind = {}
    for doc in k8s:
        by_kind.setdefault(doc.get("kind"), []).append(doc)
    shared_env = {}
    for doc in by_kind.get("ConfigMap", []) + by_kind.get("Secret", []):
        data = dict(doc.get("data") or {}, **(doc.get("stringData") or {}))
        shared_env.update(data)
        settings += [(f"k8s {doc['kind']} {doc['metadata']['name']}", k, v) for k, v in data.items()]
    check_urls_name_spec_ports("k8s ConfigMap", shared_env)
    deployments = {d["metadata"]["name"]: d for d in by_kind.get("Deployment", [])}
    k8s_services = {d["metadata"]["name"]: d for d in by_kind.get("Service", [])}
    for name, port in PORTS.items():
        deployment = deployments.get(name)
        if not check(deployment is not None, f"k8s: Deployment {name}"):
            continue
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        check(container.get("command") == [f"streamgate-{name}"],
              f"k8s: {name} runs streamgate-{name}")
        env = {e["name"]: e.get("value") for e in container.get("env", [])}
        settings += [(f"k8s Deployment {name}", k, v) for k, v in env.items()]
        check(env.get("STREAMGATE_SERVER_PORT") == str(port), f"k8s: {name} listens on {port}")
        ports = {p.get("name"): p.get("containerPort") for p in container.get("ports", [])}
        check(ports.get("http") == port, f"k8s: {name} containerPort {port}", str(ports))
        sources = [list(s.values())[0].get("name") for s in container.get("envFrom", [])]
        check({"streamgate-config", "streamgate-secrets"} <= set(sources),
              f"k8s: {name} reads the shared ConfigMap and Secret", str(sources))
        live = container.get("livenessProbe", {}).get("httpGet", {})
        ready = container.get("readinessProbe", {}).get("httpGet", {})
        check(live.get("path") == "/health" and live.get("port") in ("http", port),
              f"k8s: {name} liveness probe GET /health", str(live))
        check(ready.get("path") == "/ready" and ready.get("port") in ("http", port),
              f"k8s: {name} readiness probe GET /ready", str(ready))
        resources = container.get("resources", {})
        check(all(resources.get(kind, {}).get(r) for kind in ("requests", "limits")
                  for r in ("cpu", "memory")),
              f"k8s: {name} has cpu and memory requests and limits", str(resources))
        service = k8s_services.get(name)
        if check(service is not None, f"k8s: Service {name}"):
            service_ports = service["spec"]["ports"]
            check(len(service_ports) == 1 and service_ports[0]["port"] == port and
                  service_ports[0].get("targetPort") in ("http", port),
                  f"k8s: Service {name} port {port}", str(service_ports))
            check(service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"],
                  f"k8s: Service {name} selects its Deployment")
    for doc in by_kind.get("Kustomization", []):
        missing = [r for r in doc.get("resources", [])
                   if not os.path.exists(os.path.join(deploy, "k8s", r))]
        check(not missing, "k8s: kustomization resources exist", str(missing))

    # The Dockerfile's ENV lines.
    with open(os.path.join(deploy, "Dockerfile")) as f:
        dockerfile = f.read()
    bases = re.findall(r"^FROM\s+(\S+)", dockerfile, flags=re.M)
    check(bases and all(b == "debian:12" for b in bases), "Dockerfile: every stage on debian:12",
          str(bases))
    check("/opt/streamgate/bin/" in dockerfile, "Dockerfile: the installed binaries are copied")
    # (not the -DSTREAMGATE_* CMake options of the build stage)
    for name, value in re.findall(r"(?<!-D)\b(STREAMGATE_[A-Z0-9_]+)=(\S+)", dockerfile):
        settings.append(("Dockerfile", name, value))

    # Every name a real key, every literal value of its type.
    unknown = {}
    for where, name, _ in settings:
        if name.startswith("STREAMGATE_") and name not in keys:
            unknown.setdefault(name, []).append(where)
    check(not unknown, f"all {len(settings)} STREAMGATE_* settings are config keys",
          "; ".join(f"{n} (in {w[0]} and {len(w) - 1} more)" for n, w in sorted(unknown.items())))
    bad = sorted({f"{where}: {name}={value!r} is not {keys[name]}" for where, name, value in settings
                  if name in keys and not interpolated(value) and
                  not valid_value(keys[name], value)})
    check(not bad, "every literal value has its key's type", "; ".join(bad))

    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
