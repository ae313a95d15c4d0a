# fish completion for mxq(1).
# Installed as $(PREFIX)/share/fish/vendor_completions.d/mxq.fish.

complete -c mxq -f

# Servers and queries
complete -c mxq -l server -x -d 'Ask these servers instead of /etc/resolv.conf (ADDR[,ADDR...])'
complete -c mxq -s p -l port -x -d 'Port for servers given without one (default 53)'
complete -c mxq -s t -l timeout -x -d 'Wait this long for each try (default 2)'
complete -c mxq -l tries -x -d 'Tries per query and server (default 3)'
complete -c mxq -l tcp -d 'Query over TCP only'

# What to look up
complete -c mxq -s 4 -d 'Show only IPv4 addresses'
complete -c mxq -s 6 -d 'Show only IPv6 addresses'
complete -c mxq -s n -l no-resolve -d 'List MX records, do not resolve the exchanges'
complete -c mxq -l no-additional -d 'Ignore addresses in the additional section'

# Checks
complete -c mxq -s x -l ptr -d 'Reverse DNS of every address, forward-confirmed'
complete -c mxq -l dnssec -d 'Whether the resolver validated each answer (AD)'
complete -c mxq -l dane -d 'TLSA records of every exchange (RFC 7672)'
complete -c mxq -l ns -d 'Ask every authoritative server, compare answers'
complete -c mxq -l strict -d 'Exit 5 when a route exists but a check found a problem'
complete -c mxq -l private -d 'Count private and other special-purpose addresses as reachable'

# Connections
complete -c mxq -l smtp -d 'Probe every exchange address: SMTP, STARTTLS, certificate, DANE, MTA-STS'
complete -c mxq -l smtp-port -x -d 'SMTP port (default 25)'
complete -c mxq -l smtp-timeout -x -d 'Wait this long for each SMTP step (default 10)'
complete -c mxq -l smtp-concurrency -x -d 'SMTP connections at once (default 20)'
complete -c mxq -l ehlo -x -d 'EHLO name (default: this host name)'
complete -c mxq -l cafile -r -F -d 'CA certificates (PEM) for SMTP and HTTPS'
complete -c mxq -l https-port -x -d 'Port of the MTA-STS policy server (default 443)'

# Input
complete -c mxq -s f -l file -r -F -d 'Read domains from FILE, one per line (- for stdin)'
complete -c mxq -l concurrency -x -d 'Queries in flight at once (default 150)'
complete -c mxq -l unordered -d 'Print each domain when done, not in input order'

# Output
complete -c mxq -s s -l short -d 'One line per address: PREF EXCHANGE ADDRESS'
complete -c mxq -s j -l json -d 'One JSON object per domain and line (NDJSON)'
complete -c mxq -l with-domain -d 'Start --short lines with the domain'
complete -c mxq -l no-domain -d 'Do not start --short lines with the domain'
# --color takes its value only as --color=WHEN; --color alone means always.
complete -c mxq -l color -f -a 'auto always never' -d 'Colour (default auto)'
complete -c mxq -l colour -f -a 'auto always never' -d 'Colour (default auto)'
complete -c mxq -l idn -d 'Show names in Unicode'
complete -c mxq -l no-idn -d 'Always show names as A-labels'
complete -c mxq -l progress -d 'Show progress on stderr'
complete -c mxq -l no-progress -d 'Show no progress on stderr'
complete -c mxq -s q -l quiet -d 'Print no results, only set the exit status'
complete -c mxq -s v -l verbose -d 'Add server, RCODE, flags, TTLs and timing'
complete -c mxq -s h -l help -d 'Show help and exit'
complete -c mxq -s V -l version -d 'Show versions and exit'
