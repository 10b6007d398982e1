"""Kill -9 imports, exports and store writes at random moments: the store stays whole.

After every kill the next command finds the store intact (``PRAGMA integrity_check``), holding the
records as before the killed write or as after it (never half: activities and the import log grow
together), and nothing beside it (no journal, scratch or lock file); and the next command works.
The delays are seeded and random, so kills land in start-up, reading, matching, GDAL's scratch
write and the SQLite commit; nothing here depends on how fast the machine is. Also: the CLI
refuses a bad ``--store`` in one line with exit status 2.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from geo import settings
from geo.store import Store
from geo.vocab import Tables

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = settings.SAMPLE_DIR / "activites_fictives.csv"
SAMPLE_ROWS = 814
ROUNDS = 14
STEPS = 5
SEED = 13

#: Imports the sample again and again, each time as a new file (new notes, so new records).
IMPORT_LOOP = """
import sys
from pathlib import Path
from geo.store import Store
from zoneplan.records import import_file
store, sample, work, tag = Store(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
text = sample.read_text(encoding="utf-8")
for k in range(1000):
    path = work / f"{tag}-{k}.csv"
    path.write_text(text.replace(";FICTIF\\n", f";FICTIF {tag}-{k}\\n"), encoding="utf-8")
    import_file(path, kind="activities", store=store)
    print("committed", flush=True)
"""

#: Writes as an import does (append activities, replace the log and a table, set meta), in a loop:
#: nearly all its time is spent in the store's commit.
WRITE_LOOP = """
import sys
import pandas as pd
from geo.store import Store
from geo.vocab import Tables
store, tag = Store(sys.argv[1]), sys.argv[2]
rows = store.read(Tables.ACTIVITIES).head(ROWS)
for k in range(100000):
    batch = rows.copy()
    batch["record_id"] = [f"{tag}-{k}-{i}" for i in range(len(batch))]
    with store.transaction() as tx:
        tx.write(Tables.ACTIVITIES, batch, append=True)
        log = tx.read(Tables.IMPORTS)
        tx.write(Tables.IMPORTS, pd.concat([log, log.tail(1)], ignore_index=True))
        tx.write("fault_notes", pd.DataFrame({"k": [k], "note": [tag * 50]}))
        tx.set_meta({"fault.k": str(k)})
    print("committed", flush=True)
""".replace("ROWS", str(SAMPLE_ROWS))


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ, ZONEPLAN_HOME=str(tmp_path / "home"), PYTHONPATH=str(ROOT))
    env.pop("PYTHONSTARTUP", None)
    return env


def _zoneplan(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "zoneplan", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _variant(work: Path, tag: str) -> Path:
    text = SAMPLE.read_text(encoding="utf-8")
    path = work / f"{tag}.csv"
    path.write_text(text.replace(";FICTIF\n", f";FICTIF {tag}\n"), encoding="utf-8")
    assert path.read_text(encoding="utf-8").count(f";FICTIF {tag}\n") == SAMPLE_ROWS
    return path


def _counts(path: Path) -> tuple[int, int]:
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        acts = con.execute(f"SELECT count(*) FROM {Tables.ACTIVITIES}").fetchone()[0]
        log = con.execute(f"SELECT count(*) FROM {Tables.IMPORTS}").fetchone()[0]
    return acts, log


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_killed_imports_exports_and_writes_leave_the_store_whole(tmp_path):
    assert SAMPLE.is_file(), f"the fictitious sample {SAMPLE} ships with the repository"
    rng = random.Random(SEED)
    env = _env(tmp_path)
    folder, work, out = tmp_path / "store", tmp_path / "work", tmp_path / "out"
    for d in (folder, work, out):
        d.mkdir()
    path = folder / "zoneplan.gpkg"
    t0 = time.monotonic()
    done = _zoneplan(["import", str(_variant(work, "base")), "--store", str(path)], env)
    assert done.returncode == 0, done.stderr
    span = min(time.monotonic() - t0, 4.0)  # kills spread over one import, however busy the machine
    kinds = ["cli-import", "import-loop", "write-loop", "export"]
    seen = {"journal": 0, "scratch": 0, "lock": 0}
    for round_no in range(ROUNDS):
        kind = kinds[round_no % len(kinds)]
        acts0, log0 = _counts(path)
        digest0 = _digest(path)
        tag = f"r{round_no}"
        if kind == "cli-import":
            args = ["-m", "zoneplan", "import", str(_variant(work, tag)), "--store", str(path)]
        elif kind == "import-loop":
            args = ["-c", IMPORT_LOOP, str(path), str(SAMPLE), str(work), tag]
        elif kind == "write-loop":
            args = ["-c", WRITE_LOOP, str(path), tag]
        else:
            target = out / f"{tag}.html"
            args = ["-m", "zoneplan", "export", "map", "--view", "gaps", "--zone", "kangaba"]
            args += ["-o", str(target), "--store", str(path)]
        child = subprocess.Popen(
            [sys.executable, *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        time.sleep(rng.uniform(0.1, 1.1) * span)
        child.kill()
        committed = child.stdout.read().count("committed")
        child.wait()
        child.stdout.close()
        names = {p.name for p in folder.iterdir()}
        seen["journal"] += "zoneplan.gpkg-journal" in names
        seen["scratch"] += any(".scratch.gpkg" in n for n in names)
        seen["lock"] += "zoneplan.gpkg.lock" in names

        assert Store(path).tables()  # the next command: rolls back, clears what was left
        acts, log = _counts(path)
        assert sorted(p.name for p in folder.iterdir()) == ["zoneplan.gpkg"], round_no
        writes = log - log0  # each import or write adds one log row with its activities
        assert acts - acts0 == SAMPLE_ROWS * writes, (round_no, kind, acts0, acts, log0, log)
        if kind == "cli-import":
            assert writes in (0, 1)
        elif kind == "export":
            assert _digest(path) == digest0  # an export only reads
            if target.exists():  # moved into place whole, or not at all
                assert target.read_text(encoding="utf-8").rstrip().endswith("</html>")
        else:
            assert writes in (committed, committed + 1), (round_no, kind, committed, writes)
    acts0, _ = _counts(path)
    last = _zoneplan(["import", str(_variant(work, "last")), "--store", str(path)], env)
    assert last.returncode == 0, last.stderr
    assert _counts(path)[0] == acts0 + SAMPLE_ROWS
    assert sorted(p.name for p in folder.iterdir()) == ["zoneplan.gpkg"]
    status = _zoneplan(["data", "status", "--store", str(path)], env)
    assert status.returncode == 0, status.stderr
    print(f"kills: {ROUNDS}; found after a kill: {seen}")


#: One transaction shaped like an import's whose process kills itself at SQL statement number
#: argv[2] (0: never; it then prints the numbers of its last BEGIN IMMEDIATE and COMMIT).
STEP_KILL = """
import os, signal, sys
import pandas as pd
from geo import gpkgsql
from geo.store import Store
from geo.vocab import Tables
path, stop = sys.argv[1], int(sys.argv[2])
calls, marks = [0], {}
class Dying:
    def __init__(self, con):
        self._con = con
    def __getattr__(self, name):
        return getattr(self._con, name)
    def execute(self, sql, *args):
        calls[0] += 1
        if calls[0] == stop:
            os.kill(os.getpid(), signal.SIGKILL)
        if sql in ("BEGIN IMMEDIATE", "COMMIT"):
            marks[sql] = calls[0]
        return self._con.execute(sql, *args)
connect = gpkgsql.connect
gpkgsql.connect = lambda *a, **k: Dying(connect(*a, **k))
store = Store(path)
rows = store.read(Tables.ACTIVITIES).head(ROWS)
rows["record_id"] = [f"step-{i}" for i in range(len(rows))]
with store.transaction() as tx:
    tx.write(Tables.ACTIVITIES, rows, append=True)
    log = tx.read(Tables.IMPORTS)
    tx.write(Tables.IMPORTS, pd.concat([log, log.tail(1)], ignore_index=True))
    tx.write("fault_notes", pd.DataFrame({"note": ["x" * 5000] * 50}))
    tx.set_meta({"step": "1"})
print("calls", marks["BEGIN IMMEDIATE"], marks["COMMIT"], flush=True)
""".replace("ROWS", str(SAMPLE_ROWS))


def test_a_kill_at_any_statement_of_a_commit_leaves_before_or_after(tmp_path):
    assert SAMPLE.is_file(), f"the fictitious sample {SAMPLE} ships with the repository"
    env = _env(tmp_path)
    base = tmp_path / "base.gpkg"
    assert _zoneplan(["import", str(SAMPLE), "--store", str(base)], env).returncode == 0
    acts0, log0 = _counts(base)

    def run(stop: int) -> tuple[Path, str]:
        folder = tmp_path / f"step{stop}"
        folder.mkdir()
        path = folder / "zoneplan.gpkg"
        shutil.copyfile(base, path)
        child = subprocess.run(
            [sys.executable, "-c", STEP_KILL, str(path), str(stop)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        return path, child.stdout

    path, out = run(0)
    begin, commit = (int(n) for n in out.split()[-2:])
    assert _counts(path) == (acts0 + SAMPLE_ROWS, log0 + 1)
    inside = range(begin + 1, commit + 1)  # after BEGIN, up to COMMIT itself: a hot journal
    steps = sorted({begin, commit + 1, *random.Random(SEED).sample(inside, min(STEPS, len(inside)))})
    outcomes = []
    for stop in steps:
        path, out = run(stop)
        assert "calls" not in out  # it did die at that statement
        assert Store(path).tables()  # the next command
        acts, log = _counts(path)
        assert (acts, log) in ((acts0, log0), (acts0 + SAMPLE_ROWS, log0 + 1)), stop
        assert sorted(p.name for p in path.parent.iterdir()) == ["zoneplan.gpkg"], stop
        outcomes.append("after" if log > log0 else "before")
        with Store(path).transaction() as tx:  # and the next write works
            tx.set_meta({"after.kill": str(stop)})
        assert Store(path).meta()["after.kill"] == str(stop)
    assert outcomes[0] == "before" and outcomes[-1] == "after"
    print(f"BEGIN at statement {begin}, COMMIT at {commit}; killed at {steps}: {outcomes}")


@pytest.mark.parametrize("bad", ["folder", "text", "csv-named-gpkg", "read-only-folder"])
def test_cli_refuses_a_bad_store_in_one_line(tmp_path, bad):
    env = _env(tmp_path)
    target = tmp_path / "bad"
    if bad == "folder":
        target.mkdir()
        store = target
    elif bad == "text":
        store = target.with_suffix(".gpkg")
        store.write_text("ceci n'est pas un magasin\n", encoding="utf-8")
    elif bad == "csv-named-gpkg":
        store = target.with_suffix(".gpkg")
        store.write_bytes(SAMPLE.read_bytes()[:2000])
    else:
        target.mkdir()
        store = target / "zoneplan.gpkg"
        assert _zoneplan(["import", str(SAMPLE), "--store", str(store)], env).returncode == 0
        target.chmod(0o555)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    try:
        commands = [["import", str(SAMPLE), "--store", str(store)]]
        if bad != "read-only-folder":  # reading a read-only store is fine
            commands.append(["data", "status", "--store", str(store)])
        for args in commands:
            done = _zoneplan(args, env)
            lines = done.stderr.strip().splitlines()
            assert done.returncode == 2, done.stderr
            assert len(lines) == 1, done.stderr
            assert str(target.name) in lines[0] and "attendu" in lines[0]
            assert "Traceback" not in done.stderr
    finally:
        if target.is_dir():
            target.chmod(0o755)
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


KILLED_EXPORT = """
import os, signal, sys
from pathlib import Path
from zoneplan.exports import atomic_output
out = Path(sys.argv[1])
with atomic_output(out) as tmp:
    tmp.write_bytes(b"half a map")
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_killed_export_leaves_no_part_file_after_the_next_export(tmp_path):
    out = tmp_path / "carte.pdf"
    run = subprocess.run([sys.executable, "-c", KILLED_EXPORT, str(out)], cwd=ROOT, timeout=120)
    assert run.returncode == -9
    left = list(tmp_path.glob(".carte.pdf.*.part"))
    assert len(left) == 1 and not out.exists()  # the kill left its temporary file, as kill -9 does

    from zoneplan.exports import atomic_output

    with atomic_output(out) as tmp:
        tmp.write_bytes(b"a whole map")
    assert out.read_bytes() == b"a whole map"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["carte.pdf"]
