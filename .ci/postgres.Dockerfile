# A PostgreSQL server for tests of projects whose compose file has a database: no registry is
# reachable on these machines, so it comes from Debian's packages over the local Python image.
# The data folder is initialised at build time with trust authentication (tests only).
ARG BASE_IMAGE=scaffold-local/python:3.11
# hadolint ignore=DL3006
FROM ${BASE_IMAGE}
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql \
    && rm -rf /var/lib/apt/lists/*
USER postgres
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN bin="$(ls -d /usr/lib/postgresql/*/bin)" \
    && "$bin/initdb" -D /var/lib/postgresql/data --auth=trust --username=postgres \
    && echo "listen_addresses = '*'" >> /var/lib/postgresql/data/postgresql.conf \
    && echo "host all all 0.0.0.0/0 trust" >> /var/lib/postgresql/data/pg_hba.conf \
    && ln -s "$bin" /var/lib/postgresql/bin
EXPOSE 5432
STOPSIGNAL SIGINT
HEALTHCHECK --interval=1s --timeout=3s --retries=30 CMD ["/var/lib/postgresql/bin/pg_isready", "-h", "127.0.0.1"]
CMD ["/var/lib/postgresql/bin/postgres", "-D", "/var/lib/postgresql/data"]
