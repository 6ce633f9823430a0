#!/usr/bin/env bash
# Lesson pages over real HTTP: gunicorn (2 workers) on a fresh SQLite database with the sample
# courses, a logged-in trainee, and wrk as the load (sudo apt-get install wrk). Prints wrk's figures.
#   bash bench/http_lesson_pages.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is not installed: sudo apt-get install wrk"; exit 1; }
seconds=${1:-10}
connections=${2:-8}
export PORTAL_INSTANCE_PATH=$(mktemp -d)
export FLASK_APP=wsgi
port=$(.venv/bin/python -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
.venv/bin/flask db upgrade >/dev/null 2>&1
.venv/bin/flask setup >/dev/null
.venv/bin/gunicorn --workers 2 --bind 127.0.0.1:$port wsgi:app >/dev/null 2>&1 &
server=$!
trap 'kill $server; rm -rf "$PORTAL_INSTANCE_PATH"' EXIT
sleep 3
jar="$PORTAL_INSTANCE_PATH/cookies"
token=$(curl -s -c "$jar" -b "$jar" http://127.0.0.1:$port/login | grep -o 'name="csrf_token" type="hidden" value="[^"]*"' | sed 's/.*value="//; s/"$//')
curl -s -c "$jar" -b "$jar" -o /dev/null -d "csrf_token=$token&email=trainee%40example.org&password=trainee-demo-2026" http://127.0.0.1:$port/login
token=$(curl -s -c "$jar" -b "$jar" http://127.0.0.1:$port/courses/ai-governance | grep -o 'name="csrf_token" type="hidden" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
curl -s -c "$jar" -b "$jar" -o /dev/null -d "csrf_token=$token" http://127.0.0.1:$port/courses/ai-governance/enrol
session=$(awk '$6 == "session" {print $7}' "$jar")
url=http://127.0.0.1:$port/learn/ai-governance/lessons/eu-ai-act-overview
echo "lesson page: $(curl -s -o /dev/null -w '%{http_code}, %{size_download} bytes' -H "Cookie: session=$session" $url)"
wrk -t2 -c"$connections" -d"${seconds}s" -H "Cookie: session=$session" "$url"
