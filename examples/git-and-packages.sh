#!/bin/sh
# Everyday tools through the chain: one line each, with what to watch for.
# Run this file to print these notes; copy the lines you need. CHAIN stands for
# -f FILE or -c SPEC, or nothing when SOCKS_CHAIN, SOCKS_CHAIN_FILE or
# ~/.config/sockschain/chain is set up.
#
# Every tool below resolves host names itself. With dns=remote (the default)
# its lookup gets a stand-in address from fake_range, and the library sends
# the name, not an address, to the last hop: no DNS query leaves this machine.
# A tool that talks to DNS servers by itself (a resolver library such as
# c-ares, rather than getaddrinfo) is refused by the leak guard and reports
# that it cannot resolve the host; dns=local or a bypass= pattern lets it.
#
# A tool's own proxy settings (http_proxy, https_proxy, all_proxy, git's
# http.proxy, npm's proxy, pip's --proxy) still apply: that proxy is then
# dialed through the chain, one hop more. Unset them unless that is meant.
#
# --- git ----------------------------------------------------------------
# https://, http:// (git-remote-https is a child of git: covered too):
#   sockschain CHAIN git clone https://git.example.org/project.git
# git:// (the git daemon, port 9418):
#   sockschain CHAIN git clone git://git.example.org/project.git
# ssh://, user@host:path: git runs ssh, and ssh connects through the chain,
# with no ProxyCommand. But a shared connection (ControlMaster, ControlPath in
# ~/.ssh/config) opened earlier outside the chain would be reused, going
# around it: turn sharing off.
#   GIT_SSH_COMMAND='ssh -o ControlPath=none' sockschain CHAIN git clone git@git.example.org:project.git
# ssh by itself, the same way:
#   sockschain CHAIN ssh -o ControlPath=none user@host.example.org
#
# --- curl, wget -----------------------------------------------------------
#   sockschain CHAIN curl -O https://example.org/file.tar.gz
#   sockschain CHAIN wget https://example.org/file.tar.gz
# A curl built with c-ares (curl -V names c-ares) does its own DNS: see above. Debian's and most distributions' curl uses getaddrinfo.
#
# --- pip ----------------------------------------------------------------
#   sockschain CHAIN pip install requests
# A pip behind pyenv's or a venv's shim script works too: the script's
# programs are covered.
#
# --- npm ----------------------------------------------------------------
#   sockschain CHAIN npm install
# node looks names up with getaddrinfo (dns.lookup) for its connections;
# only its dns.resolve*() functions talk to DNS servers themselves.
#
# --- apt ----------------------------------------------------------------
# apt runs its download methods (http, https) as programs of their own, as
# the user _apt: they inherit the library, and they read the chain as _apt,
# at their first connection. sudo drops SOCKS_CHAIN and SOCKS_CHAIN_FILE from
# the environment, so name the chain after sudo:
#   sudo sockschain -c 'socks5://127.0.0.1:1080' apt-get update
# A chain file only root can read (install -m 0600) cannot be read by _apt:
# every download then fails with "Permission denied", and nothing goes out
# directly. With such a file, let the methods run as root:
#   sudo sockschain -f /root/apt.chain apt-get -o APT::Sandbox::User=root update
# A file without passwords can simply be readable by all (mode 0644).

sed -n '2,/^$/s/^# \{0,1\}//p' "$0"
