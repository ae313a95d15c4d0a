"""Servers from a resolv.conf file, and -p applied to them as dig -p does.

MXQ_RESOLV_CONF points mxq at a private file, so these tests never touch
the machine's /etc/resolv.conf: the file names only loopback addresses.
"""


def _conf(tmp_path, *servers):
    p = tmp_path / "resolv.conf"
    p.write_text("".join("nameserver %s\n" % s for s in servers))
    return str(p)


def test_port_applies_to_resolv_conf_servers(run, knot, tmp_path):
    conf = _conf(tmp_path, "127.0.0.1")
    r = run("-j", "-p", str(knot.port), "hp.com", server=False,
            env={"MXQ_RESOLV_CONF": conf})
    assert r.rc == 0, r
    (d,) = r.json()
    assert d["verdict"] == "mx"
    assert d["server"] == "127.0.0.1#%d" % knot.port


def test_ipv6_resolv_conf_server(run, knot, tmp_path):
    conf = _conf(tmp_path, "::1")
    r = run("-s", "-p", str(knot.port), "hp.com", server=False,
            env={"MXQ_RESOLV_CONF": conf})
    assert r.rc == 0, r
    assert r.out.splitlines()[0] == "10 smtp.hp.com. 192.175.48.3"


def test_explicit_server_wins_over_resolv_conf(run, knot, tmp_path):
    # The file names a closed port on loopback; @server must be used.
    conf = _conf(tmp_path, "127.0.0.9")
    r = run("-s", "hp.com", env={"MXQ_RESOLV_CONF": conf})
    assert r.rc == 0, r
