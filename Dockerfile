# Two targets from one base:
#   sandbox  the image untrusted code runs in: Python, pytest, hypothesis, a non-root user, none of our code
#   factory  the `factory` command line itself
# BASE defaults to the official Python slim image. Where no registry answers, `factory sandbox
# build-image` makes a Debian base locally (debootstrap + docker import, with python3, pytest and
# hypothesis already in it) and passes it here as --build-arg BASE=reasoning-factory-base:bookworm.
ARG BASE=python:3.11-slim

FROM ${BASE} AS sandbox
# The local Debian base already has pytest and hypothesis; the official image gets them from PyPI.
RUN python3 -c "import pytest, hypothesis" 2>/dev/null \
    || pip install --no-cache-dir "pytest>=8" "hypothesis>=6"
RUN useradd --uid 10001 --user-group --no-create-home --home-dir /work --shell /usr/sbin/nologin sandbox
ENV LANG=C.UTF-8 PYTHONDONTWRITEBYTECODE=1
USER 10001:10001
WORKDIR /work
CMD ["python3"]

FROM ${BASE} AS factory
COPY pyproject.toml README.md /src/
COPY factory /src/factory
COPY verifiers /src/verifiers
COPY sandbox /src/sandbox
COPY problems /src/problems
RUN python3 -m venv /opt/factory \
    && /opt/factory/bin/pip install --no-cache-dir /src \
    && rm -rf /src \
    && useradd --uid 10002 --user-group --create-home --shell /usr/sbin/nologin factory
ENV PATH=/opt/factory/bin:$PATH LANG=C.UTF-8
USER factory
WORKDIR /home/factory
ENTRYPOINT ["factory"]
