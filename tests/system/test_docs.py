"""The documentation tells the truth: the man page, the README and the
shell completions against the program.

- man/mxq.1 is clean under `mandoc -Tlint -W warning`, has the sections a
  reader looks for, and describes every JSON field, verdict, warning and
  limit the code has;
- every long option of src/cli.c is in --help (aliases aside), the man
  page and each completion file, and they name no option that does not
  exist; every short option is in all of them too;
- --help fits in 80 columns;
- the completions pass bash -n, zsh -n and fish --no-execute, and the bash
  one completes options, --color values and files;
- every example block in README.md and man/mxq.1 marked with an
  "example:" comment is what the current binary prints against the
  bundled zones.

Example markers: in README.md, an HTML comment right before a fenced block,

    <!-- example: mxq cisco.com -->

and in man/mxq.1 a roff comment right before a `.Bd -literal` block
(whose first line may repeat the command after "$ "):

    .\\" example: mxq cisco.com

The command is `mxq ARGS`, optionally followed by `| jq PATH` (a plain
path such as `.exchanges[0]`, compared as JSON) or by any other pipeline,
run with sh (skipped when its first program is not installed).  mxq runs
against the test knotd (@127.0.0.1 -p PORT); the examples show port 5300,
and the server port and timings are normalised before comparing.

zsh, fish and mandoc are needed for some checks: they are skipped when
missing, except under CI (CI=true), where .ci/run installs them.
"""

import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
MAN = REPO / "man" / "mxq.1"
README = REPO / "README.md"
CLI_C = REPO / "src" / "cli.c"
SCHEMA = REPO / "schema" / "mxq.schema.json"
BASH_COMP = REPO / "completions" / "mxq.bash"
ZSH_COMP = REPO / "completions" / "_mxq"
FISH_COMP = REPO / "completions" / "mxq.fish"

# Long options that --help leaves out on purpose (spelling variants); the
# man page and the completions still name them.
HELP_ALIASES = {"colour"}

LONG_RE = re.compile(r"(?<![\w-])--([a-z][a-z0-9]*(?:-[a-z0-9]+)*)")


def need(program):
    """Path of program; skip without it, fail under CI."""
    path = shutil.which(program)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("%s is not installed: .ci/run must install it"
                        % program)
        pytest.skip("%s is not installed" % program)
    return path


# ---- what the program has ------------------------------------------------

def cli_long_options():
    text = CLI_C.read_text(encoding="utf-8")
    m = re.search(r"long_opts\[\]\s*=\s*\{(.*?)\n\};", text, re.S)
    assert m, "no long_opts table in src/cli.c"
    names = set(re.findall(r'\{\s*"([a-z0-9-]+)"\s*,', m.group(1)))
    assert len(names) > 10, names
    return names


def cli_short_options():
    text = CLI_C.read_text(encoding="utf-8")
    m = re.search(r'short_opts\[\]\s*=\s*"([^"]*)"', text)
    assert m, "no short_opts string in src/cli.c"
    return set(m.group(1).replace(":", ""))


@pytest.fixture(scope="module")
def help_text(run):
    res = run("--help", server=False)
    assert res.rc == 0, res
    assert res.err == "", res
    return res.out


def help_long_options(text):
    return set(LONG_RE.findall(text))


def help_short_options(text):
    return set(re.findall(r"(?<![\w-])-([0-9A-Za-z])(?![\w-])", text))


# ---- the man page --------------------------------------------------------

@pytest.fixture(scope="module")
def man_text():
    """The man page rendered as plain text, lines never broken."""
    need("mandoc")
    p = subprocess.run(["mandoc", "-Tascii", "-O", "width=1000", str(MAN)],
                       capture_output=True, check=True)
    # Drop the overstrike of bold and underline (x\bx, _\bx).
    return re.sub(r".\x08", "", p.stdout.decode("ascii", "replace"))


def man_section(rendered, name):
    m = re.search(r"^%s\n(.*?)(?=^[A-Z][A-Z ]+\n|\Z)" % re.escape(name),
                  rendered, re.S | re.M)
    assert m, "no section %s in man/mxq.1" % name
    return m.group(1)


def test_man_lint_clean():
    mandoc = need("mandoc")
    p = subprocess.run([mandoc, "-Tlint", "-W", "warning", str(MAN)],
                       capture_output=True, text=True)
    assert p.stdout + p.stderr == "" and p.returncode == 0, \
        p.stdout + p.stderr


def test_man_sections():
    sections = re.findall(r"^\.Sh (.*)$", MAN.read_text(encoding="utf-8"),
                          re.M)
    for name in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "INPUT",
                 "OUTPUT FORMATS", "JSON FIELDS", "VERDICTS", "LIMITS",
                 "ENVIRONMENT", "FILES", "EXIT STATUS", "EXAMPLES",
                 "SEE ALSO", "STANDARDS", "AUTHORS"):
        assert name in sections, name


# Options of other programs that the man page shows (GNU parallel's, in
# the survey example of EXAMPLES).
OTHER_PROGRAMS_OPTIONS = {"pipe", "block", "line-buffer", "keep-order",
                          "sshlogin"}


def test_man_long_options_match_the_program(man_text):
    cli = cli_long_options()
    man = set(LONG_RE.findall(man_text)) - OTHER_PROGRAMS_OPTIONS
    assert cli - man == set(), "options missing from man/mxq.1"
    assert man - cli == set(), "man/mxq.1 names options mxq does not have"


def test_man_short_options(man_text):
    options = man_section(man_text, "OPTIONS")
    synopsis = man_section(man_text, "SYNOPSIS")
    for c in cli_short_options():
        assert re.search(r"(?<![\w-])-%s(?![\w-])" % re.escape(c), options), c
        assert c in synopsis, c


def test_man_describes_every_json_field(man_text):
    fields = man_section(man_text, "JSON FIELDS")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    defs = schema.get("$defs", {})

    def props(obj):
        if "$ref" in obj:
            obj = defs[obj["$ref"].rsplit("/", 1)[1]]
        return obj.get("properties", {})

    names = set(props(schema))
    exchange = props(props(schema)["exchanges"]["items"])
    names |= set(exchange)
    names |= set(props(exchange["addresses"]["items"]))
    for name in names:
        assert re.search(r"^\s+%s\b" % re.escape(name), fields, re.M), \
            "JSON field %r is not described in JSON FIELDS" % name


def test_man_lists_every_verdict_and_warning(man_text):
    verdicts = man_section(man_text, "VERDICTS")
    fields = man_section(man_text, "JSON FIELDS")
    mx_c = (REPO / "src" / "mx.c").read_text(encoding="utf-8")
    body = re.search(r"mx_verdict_name\(enum mx_verdict v\)\n\{(.*?)\n\}",
                     mx_c, re.S)
    assert body, "mx_verdict_name not found in src/mx.c"
    tokens = set(re.findall(r'return "([a-z-]+)";', body.group(1)))
    assert "null-mx" in tokens and "implicit-mx" in tokens
    for token in tokens:
        assert re.search(r"^\s+%s\b" % re.escape(token), verdicts, re.M), \
            "verdict %r missing from VERDICTS" % token
    # The one table of warnings that every printer reads.
    fmt_c = (REPO / "src" / "fmt.c").read_text(encoding="utf-8")
    warnings = set(re.findall(r'\{ MX_D?W_[A-Z]+, "([a-z-]+)"', fmt_c))
    assert {"cname", "null-mx-preference", "duplicate-mx"} <= warnings
    for w in warnings:
        assert re.search(r"[`'\u2018]%s['\u2019]" % re.escape(w), fields), \
            "warning %r missing from JSON FIELDS" % w


def test_man_limits_match_the_code(man_text):
    limits = man_section(man_text, "LIMITS")
    inc = REPO / "include" / "mxq"
    for header, macro in (("mx.h", "MX_MAX_EXCHANGES"),
                          ("mx.h", "MX_MAX_ADDRESSES"),
                          ("mx.h", "MX_MAX_CNAME"),
                          ("wire.h", "WIRE_MAX_RECORDS"),
                          ("input.h", "INPUT_LINE_MAX"),
                          ("resolver.h", "RESOLVER_MAX_SERVERS"),
                          ("resolver.h", "RESOLVER_MAX_CHOSEN"),
                          ("questions.h", "QUESTIONS_CACHE_MAX"),
                          ("questions.h", "QUESTIONS_QUEUE_MAX")):
        text = (inc / header).read_text(encoding="utf-8")
        m = re.search(r"#define\s+%s\s+(\d+)" % macro, text)
        assert m, "%s not found in %s" % (macro, header)
        # Each bound heads an entry of the list.
        assert re.search(r"^\s+%s\s" % m.group(1), limits, re.M), \
            "%s (%s) is not in LIMITS" % (macro, m.group(1))


def test_man_exit_status(man_text):
    status = man_section(man_text, "EXIT STATUS")
    for code in "012345":
        assert re.search(r"^\s+%s\s" % code, status, re.M), code
    assert "4, 2, 3, 1, 5, 0" in status


# ---- --help ----------------------------------------------------------------

def test_help_long_options_match_the_program(help_text):
    cli = cli_long_options()
    shown = help_long_options(help_text)
    assert shown - cli == set(), "--help names options mxq does not have"
    assert cli - shown <= HELP_ALIASES, "options missing from --help"


def test_help_short_options_match_the_program(help_text):
    assert cli_short_options() <= help_short_options(help_text)


def test_help_fits_80_columns(help_text):
    for n, line in enumerate(help_text.splitlines(), 1):
        assert "\t" not in line, "tab on --help line %d" % n
        assert len(line) <= 80, "--help line %d: %d columns: %r" \
            % (n, len(line), line)


# ---- completions -----------------------------------------------------------

def completion_long_options(path):
    text = "\n".join(line for line in path.read_text(encoding="utf-8")
                     .splitlines() if not line.lstrip().startswith("#"))
    if path == FISH_COMP:
        return set(re.findall(r"\s-l\s+([a-z0-9-]+)", text))
    return set(LONG_RE.findall(text))


def completion_short_options(path):
    text = path.read_text(encoding="utf-8")
    if path == FISH_COMP:
        return set(re.findall(r"\s-s\s+(\S)\b", text))
    if path == BASH_COMP:
        # The word list offered for "-<TAB>".
        m = re.search(r"compgen -W '\s*(-[^']*--help[^']*)'", text)
        assert m, "no option word list in %s" % path
        text = m.group(1)
    return set(re.findall(r"(?<![\w-])-([0-9A-Za-z])(?![\w-])", text))


@pytest.mark.parametrize("path", [BASH_COMP, ZSH_COMP, FISH_COMP],
                         ids=lambda p: p.name)
def test_completion_options_match_the_program(path):
    cli = cli_long_options()
    comp = completion_long_options(path)
    assert cli - comp == set(), "options missing from %s" % path.name
    assert comp - cli == set(), "%s names options mxq does not have" \
        % path.name
    assert cli_short_options() - completion_short_options(path) == set(), \
        "short options missing from %s" % path.name


def test_bash_completion_syntax():
    p = subprocess.run(["bash", "-n", str(BASH_COMP)], capture_output=True,
                       text=True)
    assert p.returncode == 0, p.stderr


def test_zsh_completion_syntax():
    zsh = need("zsh")
    text = ZSH_COMP.read_text(encoding="utf-8")
    assert text.startswith("#compdef mxq\n")
    p = subprocess.run([zsh, "-n", str(ZSH_COMP)], capture_output=True,
                       text=True)
    assert p.returncode == 0, p.stderr


def test_fish_completion_syntax():
    fish = need("fish")
    p = subprocess.run([fish, "--no-execute", str(FISH_COMP)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr


BASH_COMPLETION = Path("/usr/share/bash-completion/bash_completion")


def bash_complete_in(line, words, cwd, helpers):
    """COMPREPLY of _mxq for a command line split as bash splits it, with
    or without the bash-completion package's helpers loaded."""
    script = (
        ('source %s\n' % shlex.quote(str(BASH_COMPLETION)) if helpers
         else '') +
        'source %s\n'
        'COMP_LINE=%s; COMP_POINT=${#COMP_LINE}\n'
        'COMP_WORDS=(%s); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n'
        'COMPREPLY=(); _mxq\n'
        'printf "%%s\\n" "${COMPREPLY[@]}"\n'
        % (shlex.quote(str(BASH_COMP)), shlex.quote(line),
           " ".join(shlex.quote(w) for w in words)))
    p = subprocess.run(["bash", "--norc", "--noprofile", "-c", script],
                       capture_output=True, text=True, cwd=cwd)
    assert p.returncode == 0, p.stderr
    return sorted(w for w in p.stdout.splitlines() if w)


@pytest.mark.parametrize("helpers", [False, True],
                         ids=["plain-bash", "bash-completion"])
def test_bash_completion_behaviour(tmp_path, helpers):
    if helpers and not BASH_COMPLETION.exists():
        pytest.skip("the bash-completion package is not installed")
    (tmp_path / "domains.txt").write_text("example.com\n")
    (tmp_path / "other.txt").write_text("")

    def bash_complete(line, words, cwd):
        return bash_complete_in(line, words, cwd, helpers)

    assert bash_complete("mxq --col", ["mxq", "--col"], tmp_path) == \
        ["--color", "--color=", "--colour", "--colour="]
    # bash splits "--color=al" into "--color" "=" "al".
    assert bash_complete("mxq --color=", ["mxq", "--color", "="],
                         tmp_path) == ["always", "auto", "never"]
    assert bash_complete("mxq --color=a", ["mxq", "--color", "=", "a"],
                         tmp_path) == ["always", "auto"]
    assert bash_complete("mxq -f do", ["mxq", "-f", "do"], tmp_path) == \
        ["domains.txt"]
    assert bash_complete("mxq --file ", ["mxq", "--file", ""], tmp_path) == \
        ["-", "domains.txt", "other.txt"]
    assert bash_complete("mxq --no-r", ["mxq", "--no-r"], tmp_path) == \
        ["--no-resolve"]
    assert bash_complete("mxq exa", ["mxq", "exa"], tmp_path) == []


# ---- examples ----------------------------------------------------------

def normalise(text):
    text = re.sub(r"(127\.0\.0\.1|::1)#\d+", r"\1#PORT", text)
    text = re.sub(r'"elapsed_ms":\d+', '"elapsed_ms":0', text)
    return re.sub(r", \d+ ms$", ", 0 ms", text, flags=re.M)


def normalise_json(obj):
    if isinstance(obj, dict):
        return {k: (0 if k == "elapsed_ms" else
                    normalise(v) if k == "server" and isinstance(v, str) else
                    normalise_json(v)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [normalise_json(v) for v in obj]
    return obj


def jq_path(obj, path):
    """The value of a plain jq path (".", ".a", ".a[0].b") in obj."""
    if path == ".":
        return obj
    assert re.fullmatch(r"(\.[A-Za-z_]\w*(\[\d+\])*)+", path), path
    for name, idx in re.findall(r"\.([A-Za-z_]\w*)((?:\[\d+\])*)", path):
        obj = obj[name]
        for i in re.findall(r"\[(\d+)\]", idx):
            obj = obj[int(i)]
    return obj


def readme_examples():
    text = README.read_text(encoding="utf-8")
    pat = re.compile(r"<!-- example: (.+?) -->\n+```[a-z]*\n(.*?)^```",
                     re.S | re.M)
    return [(m.group(1), m.group(2)) for m in pat.finditer(text)]


def unroff(line):
    line = line.replace("\\e", "\\").replace("\\&", "").replace("\\-", "-")
    return line.replace("\\(aq", "'").replace("\\(dq", '"')


def man_examples():
    lines = MAN.read_text(encoding="utf-8").splitlines()
    found = []
    for i, line in enumerate(lines):
        m = re.match(r'^\.\\" example: (.+)$', line)
        if not m:
            continue
        assert lines[i + 1].startswith(".Bd -literal"), \
            "man/mxq.1:%d: example marker not followed by .Bd -literal" \
            % (i + 1)
        body = []
        for block in lines[i + 2:]:
            if block == ".Ed":
                break
            body.append(unroff(block))
        cmd = unroff(m.group(1))
        if body and body[0].startswith("$ "):
            assert body[0] == "$ " + cmd, body[0]
            body = body[1:]
        found.append((cmd, "".join(b + "\n" for b in body)))
    return found


def run_example(run, command, expected):
    mxq, _, pipe = command.partition("|")
    argv = shlex.split(mxq)
    assert argv[0] == "mxq", command
    args = argv[1:]
    server = not any(a in ("-h", "--help", "-V", "--version") for a in args)
    res = run(*args, server=server)
    assert res.rc in (0, 1), res
    pipe = pipe.strip()
    if not pipe:
        assert normalise(res.out) == normalise(expected), \
            "example `%s` no longer matches\n%s" % (command, res)
        return
    jq = re.fullmatch(r"jq (\.\S*)", pipe)
    if jq:
        got = [jq_path(json.loads(line), jq.group(1))
               for line in res.out.splitlines()]
        want = [json.loads(expected)] if len(got) == 1 else \
            [json.loads(line) for line in expected.splitlines()]
        assert normalise_json(got) == normalise_json(want), \
            "example `%s` no longer matches\n%s" % (command, res)
        return
    program = shlex.split(pipe)[0]
    if shutil.which(program) is None:
        pytest.skip("%s is not installed" % program)
    p = subprocess.run(["sh", "-c", pipe], input=res.outb,
                       capture_output=True, timeout=30)
    assert p.returncode == 0, p.stderr
    assert normalise(p.stdout.decode("utf-8")) == normalise(expected), \
        "example `%s` no longer matches" % command


def test_readme_has_the_examples():
    commands = [c for c, _ in readme_examples()]
    for want in ("mxq cisco.com", "mxq apple.com", "mxq hp.com",
                 "mxq --help"):
        assert want in commands, want
    assert any(re.search(r" (-s|--short)\b", c) for c in commands)
    assert any(re.search(r" (-j|--json)\b", c) for c in commands)


@pytest.mark.parametrize("command,expected", readme_examples(),
                         ids=[c for c, _ in readme_examples()])
def test_readme_example(run, command, expected):
    run_example(run, command, expected)


def test_man_has_the_examples():
    commands = [c for c, _ in man_examples()]
    assert "mxq cisco.com" in commands
    for opt in ("-v", "-s", "-j", "-sn"):
        assert any(opt in shlex.split(c.partition("|")[0])
                   for c in commands), opt


@pytest.mark.parametrize("command,expected", man_examples(),
                         ids=[c for c, _ in man_examples()])
def test_man_example(run, command, expected):
    run_example(run, command, expected)
