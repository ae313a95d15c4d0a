"""make install puts the binary, the man page and the completions where each
tool looks for them, under PREFIX and DESTDIR."""

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent


def test_install_places_every_file(tmp_path):
    dest = tmp_path / "root"
    # A dry run: what make would install, without building anything.
    out = subprocess.run(
        ["make", "-n", "-C", str(REPO), "install", "DESTDIR=" + str(dest),
         "PREFIX=/opt/mxq"], capture_output=True, text=True, check=True).stdout
    targets = {line.split()[-1] for line in out.splitlines()
               if line.startswith("install -m")}
    want = {
        "bin/mxq",
        "share/man/man1/mxq.1",
        "share/bash-completion/completions/mxq",
        "share/zsh/site-functions/_mxq",
        "share/fish/vendor_completions.d/mxq.fish",
    }
    assert targets == {"%s/opt/mxq/%s" % (dest, w) for w in want}, out
    # Every installed source file exists in the tree.
    for line in out.splitlines():
        if line.startswith("install -m"):
            src = line.split()[-2]
            if src != "mxq":
                assert (REPO / src).is_file(), src
