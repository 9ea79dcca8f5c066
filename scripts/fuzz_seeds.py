#!/usr/bin/env python3
"""Build the fuzz seed corpora and dictionaries from the test vectors and the Clawsig fixtures.

The fixtures are third-party data and stay in ../shared/clawsig; this script copies them into
fuzz/corpus/<target>/ (named by their SHA-256, as libFuzzer names its inputs), which the fuzzer
then grows and `cargo fuzz cmin` minimises. Run from the repository root:

    python3 scripts/fuzz_seeds.py [--clawsig DIR]
"""
import argparse
import hashlib
import json
import pathlib
import zipfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"
DICT = ROOT / "fuzz" / "dict"
# The largest seed kept: bigger inputs make each fuzz iteration slow without adding shapes.
MAX_SEED = 256 * 1024


def add(target, data):
    if len(data) > MAX_SEED:
        return
    out = CORPUS / target
    out.mkdir(parents=True, exist_ok=True)
    (out / hashlib.sha256(data).hexdigest()).write_bytes(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clawsig", default=str(ROOT.parent / "shared" / "clawsig"))
    args = ap.parse_args()
    vectors = ROOT / "testvectors"
    manifest = json.loads((vectors / "manifest.json").read_text())
    for v in manifest["vectors"]:
        kind = v["kind"]
        if kind == "rotation":
            # A fixture folder: its timeline alone, and scenario + 0xFF + timeline (the
            # rotation_judge target splits its input at the first 0xFF byte).
            rotation = vectors / v["path"] / "artifacts" / "rotation"
            events = (rotation / "events.ndjson").read_bytes()
            scenario = (rotation / "scenario.json").read_bytes()
            add("rotation_events", events)
            add("rotation_judge", scenario + b"\xff" + events)
            continue
        data = (vectors / v["path"]).read_bytes()
        if kind == "audit-bundle":
            add("audit_container", data)
            add("zip_differential", data)
        elif kind == "inclusion-proof":
            add("inclusion_proof", data)
        elif kind == "token":
            add("cst_token", data)
        else:
            add("verify_json_subject", data)
            add("json_parse", data)
            add("jss_jcs_roundtrip", data)
        # Every sealed bundle's tokens are token seeds, its JSON entries JSON seeds.
        if kind == "audit-bundle":
            try:
                with zipfile.ZipFile(vectors / v["path"]) as z:
                    for name in z.namelist():
                        body = z.read(name)
                        if name.endswith(".jwt"):
                            add("cst_token", body)
                        elif name.endswith(".json"):
                            add("json_parse", body)
                            add("verify_json_subject", body)
            except (zipfile.BadZipFile, KeyError, ValueError, NotImplementedError, OSError, RuntimeError, EOFError):
                pass  # a hostile vector: its bytes are already a container seed
    for trust in (vectors / "trust").glob("*.json"):
        add("trust_file", trust.read_bytes())
    add("trust_file", (vectors / "audit" / "trust.json").read_bytes())
    for path in sorted(pathlib.Path(args.clawsig).rglob("*.json")):
        data = path.read_bytes()
        add("verify_json_subject", data)
        add("json_parse", data)
        add("jss_jcs_roundtrip", data)
    # Dictionaries: the JSON punctuation and the protocol's keys and constants.
    DICT.mkdir(parents=True, exist_ok=True)
    json_tokens = ['"{"', '"}"', '"["', '"]"', '":"', '","', '"\\""', '"\\\\u"', '"true"', '"false"',
                   '"null"', '"1e308"', '"-0"', '"\\\\ud800"', '"\\xef\\xbb\\xbf"']
    (DICT / "json.dict").write_text("\n".join(json_tokens) + "\n")
    keys = set()

    def walk(value):
        if isinstance(value, dict):
            for k, v in value.items():
                keys.add(k)
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, str) and len(value) <= 32 and value.isascii() and '"' not in value and "\\" not in value:
            keys.add(value)

    for path in sorted(pathlib.Path(args.clawsig).rglob("*.json")):
        try:
            walk(json.loads(path.read_text()))
        except (ValueError, UnicodeDecodeError):
            pass
    # libFuzzer's dictionary format has no escape for a line break: printable words only.
    words = sorted(k for k in keys if k.isascii() and k.isprintable() and '"' not in k and "\\" not in k and 0 < len(k) <= 32)
    (DICT / "clawsig.dict").write_text(
        "\n".join(json_tokens + ['"\\"%s\\""' % w for w in words]) + "\n"
    )
    (DICT / "zip.dict").write_text("\n".join([
        '"PK\\x03\\x04"', '"PK\\x01\\x02"', '"PK\\x05\\x06"', '"PK\\x07\\x08"', '"PK\\x06\\x06"', '"PK\\x06\\x07"',
        '"manifest.json"', '"artifacts/"', '"checkpoint.json"',
    ]) + "\n")
    for target in sorted(p.name for p in CORPUS.iterdir()):
        print(f"{target}: {len(list((CORPUS / target).iterdir()))} seeds")


if __name__ == "__main__":
    main()
