# For comparison only (bench/bench.py, section images): the same project in ONE stage, the way a
# hand-written Dockerfile often looks. The compilers, headers and uv stay in the image.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9
FROM ${UV_IMAGE} AS uv

FROM ${PYTHON_IMAGE}
ARG APT_PACKAGES=""
COPY --from=uv /uv /usr/local/bin/uv
RUN if [ -n "$APT_PACKAGES" ]; then \
        apt-get update && apt-get install -y --no-install-recommends $APT_PACKAGES \
        && rm -rf /var/lib/apt/lists/*; \
    fi
ENV UV_PYTHON_DOWNLOADS=0 UV_NO_CACHE=1 UV_COMPILE_BYTECODE=1
WORKDIR /app
COPY . /app
RUN --mount=type=secret,id=ca-bundle,target=/run/secrets/ca-bundle.pem \
    if [ -f /run/secrets/ca-bundle.pem ]; then export SSL_CERT_FILE=/run/secrets/ca-bundle.pem; fi \
    && uv sync --locked --no-dev --no-editable
ENV PATH="/app/.venv/bin:$PATH"
CMD ["python", "-c", "print('single-stage')"]
