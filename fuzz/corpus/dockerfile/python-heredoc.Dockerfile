# syntax=docker/dockerfile:1.4
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

RUN <<EOF
set -e
apt-get update
apt-get install -y --no-install-recommends build-essential
rm -rf /var/lib/apt/lists/*
EOF

WORKDIR /app
COPY requirements.txt .
RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt

COPY <<-"EOF" /app/settings.py
	DEBUG = False
	SECRET = "$NOT_EXPANDED"
EOF

RUN python3 <<PY
import sys
print("python", sys.version)
PY

COPY . .
CMD ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]
