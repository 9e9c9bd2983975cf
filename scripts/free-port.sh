#!/usr/bin/env bash
# Print a loopback TCP port that is free now: the kernel picks it (bind to port 0), so a test
# server does not collide with another process the way a random guess can.
set -euo pipefail
python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
