#!/usr/bin/env python3
"""The public headers expose no third-party library (docs/architecture.md, "Public API").

For each include/streamgate/*.h:
  1. compile it alone with -H and fail on any included file that belongs to a third-party
     library (Asio, SQLite/SQLiteCpp, hiredis, curl, FFmpeg, OpenSSL, nlohmann_json, spdlog,
     fmt, libsodium, libsecp256k1, Crypto++, llhttp, pybind11): only the C++ standard library,
     libc and the streamgate headers may be reached;
  2. scan the code, with comments and string literals removed, for those libraries' names
     (asio::, sqlite3, SQLite::, redisContext, CURL, AVFrame, EVP_, nlohmann::, spdlog::, ...).

Intended exceptions: none today. The architecture allows nlohmann::json "where a JSON document
is the point"; if a header ever takes that door, list it in ALLOWED with the reason.

  check_public_headers.py --include <repo>/include --compiler c++
"""
import argparse
import glob
import os
import re
import subprocess
import sys

# Path fragments of third-party headers, as -H prints them.
THIRD_PARTY_PATHS = [
    "/asio", "asio.hpp", "/sqlite3", "SQLiteCpp/", "/hiredis/", "/curl/", "/libavcodec/",
    "/libavformat/", "/libavutil/", "/libavfilter/", "/libswscale/", "/libswresample/",
    "/openssl/", "/nlohmann/", "/spdlog/", "/fmt/", "/sodium", "secp256k1", "/cryptopp/",
    "/crypto++/", "llhttp", "/pybind11/", "/Catch2/", "/catch2/",
]

# Identifiers of those libraries, matched on code without comments and strings.
THIRD_PARTY_NAMES = re.compile(
    r"\b(asio::\w+|SQLite::\w+|sqlite3\w*|redis(Context|Reply|AsyncContext)\w*|CURL\w*|curl_\w+|"
    r"AV(Format|Codec|IO)?(Context|Frame|Packet|Stream|Dictionary)\w*|Sws\w+|Swr\w+|av_\w+|"
    r"avformat_\w+|avcodec_\w+|EVP_\w+|SSL_\w+|BIGNUM|BIO_\w+|nlohmann::\w+|spdlog::\w+|"
    r"fmt::\w+|crypto_\w+|sodium_\w+|secp256k1_\w+|CryptoPP::\w+|llhttp_\w+|pybind11::\w+)")

# header name -> why a third-party name is intended there.
ALLOWED = {}


def strip_comments_and_strings(code):
    pattern = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'', re.S)
    return pattern.sub(lambda m: "\n" * m.group(0).count("\n") + " ", code)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--include", required=True)
    parser.add_argument("--compiler", default="c++")
    args = parser.parse_args()
    headers = sorted(glob.glob(os.path.join(args.include, "streamgate", "*.h")))
    if not headers:
        print("no headers under", args.include)
        return 1
    failures = []
    for header in headers:
        name = os.path.basename(header)
        if name in ALLOWED:
            continue
        run = subprocess.run(
            [args.compiler, "-std=c++17", "-fsyntax-only", "-H", "-x", "c++",
             "-I", args.include, header],
            capture_output=True, text=True)
        if run.returncode != 0:
            errors = [l for l in run.stderr.splitlines() if not l.startswith(".")]
            failures.append(f"{name}: does not compile alone:\n" + "\n".join(errors[:20]))
        for line in run.stderr.splitlines():
            if not line.startswith("."):
                continue
            path = line.lstrip(". ").strip()
            if any(fragment in path for fragment in THIRD_PARTY_PATHS):
                failures.append(f"{name}: includes a third-party header: {path}")
                break  # the first one says enough
        with open(header, encoding="utf-8") as f:
            code = strip_comments_and_strings(f.read())
        for number, text in enumerate(code.splitlines(), 1):
            for match in THIRD_PARTY_NAMES.finditer(text):
                failures.append(f"{name}:{number}: names a third-party type: {match.group(0)}")
    for failure in failures:
        print("FAIL:", failure)
    print(f"checked {len(headers)} public headers, {len(failures)} problem(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
