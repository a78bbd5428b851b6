# Berth as a container image. One image for every process: web (daphne, the
# default command), worker, beat and watcher (other commands, see
# docker-compose.yml). Runs as an unprivileged user; the Docker socket is
# mounted by compose only into the services that talk to the engine.
#
# BASE_IMAGE lets the test suite build on a local python:3.11-slim stand-in
# (no base image can be pulled on the build machines).
ARG BASE_IMAGE=python:3.11-slim
FROM ${BASE_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    VIRTUAL_ENV=/opt/berth/venv \
    PATH=/opt/berth/venv/bin:$PATH \
    BERTH_VAR_DIR=/var/lib/berth \
    BERTH_STATIC_ROOT=/opt/berth/static \
    DJANGO_SETTINGS_MODULE=console.settings

RUN groupadd --system --gid 10001 berth \
 && useradd --system --uid 10001 --gid berth --home-dir /var/lib/berth \
      --shell /usr/sbin/nologin berth \
 && mkdir -p /var/lib/berth \
 && chown berth:berth /var/lib/berth

WORKDIR /opt/berth/app

# Requirements first, so code changes reuse this layer. A virtual environment
# works the same on the official image and on Debian's own python3.
# pip's own variables may point the build at a mirror or a local wheel house
# (air-gapped hosts; the test suite): unset, pip uses PyPI.
ARG PIP_INDEX_URL
ARG PIP_FIND_LINKS
ARG PIP_NO_INDEX
ARG PIP_TRUSTED_HOST
COPY requirements.txt constraints.txt ./
RUN python -m venv "$VIRTUAL_ENV" \
 && pip install -r requirements.txt -c constraints.txt

COPY . .
# collectstatic only needs some key; the real one comes from the environment.
RUN SECRET_KEY=collectstatic-only BERTH_VAR_DIR=/tmp/berth-build \
      python manage.py collectstatic --noinput -v0 \
 && rm -rf /tmp/berth-build

USER berth
EXPOSE 8000
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "console.asgi:application"]
