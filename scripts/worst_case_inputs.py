#!/usr/bin/env python3
"""Write the inputs of the README's worst-case table into DIR (default /tmp/wc):

  numbers.json, strings.json, objects.json  63 MiB arrays of the smallest values of each kind
  deep.json                                 63 MiB of arrays nested 128 deep (the depth limit)
  escapes.json                              one 63 MiB string of \\u00e9 escapes
  inflate.audit.zip                         8 entries of 64 MiB (the entry limit) of log text, deflated

Then time each with `/usr/bin/time -f "%e s, %U s user, %S s sys, %M KB" clawaudit verify FILE ...`.
The many-entries case is `target/release/examples/sample_audit_bundle 65532 0 DIR/many`.
"""
import os
import sys
import zipfile

MIB = 1024 * 1024


def main() -> None:
    out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/wc"
    os.makedirs(out, exist_ok=True)
    n = 63 * MIB

    def write(name: str, data: bytes) -> None:
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        print(name, len(data))

    write("numbers.json", b"[" + b"0," * ((n - 2) // 2) + b"0]")
    write("strings.json", b"[" + b'"a",' * ((n - 2) // 4) + b'"a"]')
    write("objects.json", b"[" + b"{}," * ((n - 2) // 3) + b"{}]")
    unit = b"[" * 127 + b"]" * 127
    write("deep.json", b"[" + b",".join([unit] * (n // (len(unit) + 1))) + b"]")
    write("escapes.json", b'["' + b"\\u00e9" * ((n - 4) // 6) + b'"]')
    text = b"".join(b"build log line %d: step completed, 0 warnings\n" % i for i in range(1_500_000))[: 64 * MIB]
    path = os.path.join(out, "inflate.audit.zip")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        z.writestr("checkpoint.json", b"{}")
        z.writestr("manifest.json", b"{}")
        for i in range(8):
            z.writestr(f"artifacts/attachments/big{i}.txt", text)
    print("inflate.audit.zip", os.path.getsize(path))


if __name__ == "__main__":
    main()
