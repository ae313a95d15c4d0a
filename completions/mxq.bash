# bash completion for mxq(1)                              -*- shell-script -*-
# Installed as $(PREFIX)/share/bash-completion/completions/mxq.

_mxq()
{
	local cur prev words cword
	if declare -F _init_completion >/dev/null 2>&1; then
		# Keep "--color=al" in one word, as mxq reads it.
		_init_completion -n = || return
	else
		COMPREPLY=()
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=
		((cword > 0)) && prev=${COMP_WORDS[cword - 1]}
		# bash splits "--color=al" at "=": join it again.
		if [[ $cur == = ]]; then
			cur=$prev=
			prev=
			((cword > 1)) && prev=${COMP_WORDS[cword - 2]}
		elif [[ $prev == = ]] && ((cword > 1)); then
			cur=${COMP_WORDS[cword - 2]}=$cur
			prev=
			((cword > 2)) && prev=${COMP_WORDS[cword - 3]}
		fi
	fi

	case $prev in
	--cafile)
		COMPREPLY=($(compgen -f -- "$cur"))
		compopt -o filenames 2>/dev/null
		return
		;;
	--ehlo)
		COMPREPLY=($(compgen -A hostname -- "$cur"))
		return
		;;
	-f | --file)
		# "-" reads standard input.
		COMPREPLY=($(compgen -f -- "$cur"))
		[[ -z $cur || $cur == - ]] && COMPREPLY+=(-)
		compopt -o filenames 2>/dev/null
		return
		;;
	-p | --port | -t | --timeout | --tries | --concurrency | --server | \
	    --smtp-port | --smtp-timeout | --smtp-concurrency | --https-port)
		# A number or an address: nothing to offer.
		return
		;;
	esac

	case $cur in
	--color=* | --colour=*)
		# The value must be attached with "=" (--color alone: always).
		COMPREPLY=($(compgen -W 'auto always never' -- "${cur#*=}"))
		return
		;;
	-*)
		COMPREPLY=($(compgen -W '
			-4 -6 -f -h -j -n -p -q -s -t -v -V -x
			--color --color= --colour --colour= --concurrency
			--cafile --dane --dnssec --ehlo
			--file --help --https-port --idn --json --no-additional
			--no-domain --no-idn --no-progress --no-resolve --ns --port
			--private --progress --ptr --quiet --server --short --smtp
			--smtp-concurrency --smtp-port --smtp-timeout --strict --tcp
			--timeout --tries --unordered --verbose --version
			--with-domain' -- "$cur"))
		[[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]] &&
			compopt -o nospace 2>/dev/null
		return
		;;
	esac
	# Domains and @server: nothing to complete.
} &&
	complete -F _mxq mxq
