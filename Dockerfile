# rightsdesk in a container: `rightsdesk run` (mail intake, Slack bot, reminders) by default.
#
#   docker build -t rightsdesk .
#   docker run -d --name rightsdesk --env-file rightsdesk.env \
#     -e RIGHTSDESK_CONFIG=/etc/rightsdesk/rightsdesk.toml \
#     -v "$PWD/rightsdesk.toml:/etc/rightsdesk/rightsdesk.toml:ro" \
#     -v rightsdesk-data:/var/lib/rightsdesk rightsdesk
#   docker exec rightsdesk rightsdesk health
#
# State (the SQLite file, the Maildir, dossiers) is in the volume; with PostgreSQL set
# RIGHTSDESK_DATABASE_URL and run `docker run --rm ... rightsdesk db upgrade` once per upgrade.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --system --uid 10001 --home-dir /var/lib/rightsdesk --create-home \
        --shell /usr/sbin/nologin rightsdesk \
    && chmod 0700 /var/lib/rightsdesk \
    && mkdir -p /etc/rightsdesk

WORKDIR /app
# Dependencies first, so that a code change does not reinstall them.
COPY pyproject.toml README.md ./
RUN python -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt

# An editable install: the example config and the templates stay next to the code.
COPY rightsdesk.example.toml ./
COPY store ./store
COPY cases ./cases
COPY templates ./templates
COPY mail_intake ./mail_intake
COPY bot ./bot
COPY rightsdesk ./rightsdesk
RUN pip install --no-deps -e . && python -m compileall -q /app

USER rightsdesk
WORKDIR /var/lib/rightsdesk
ENV RIGHTSDESK_DATABASE_URL=sqlite:////var/lib/rightsdesk/rightsdesk.db \
    RIGHTSDESK_MAILDIR=/var/lib/rightsdesk/mail \
    RIGHTSDESK_CONFIG=/app/rightsdesk.example.toml
VOLUME ["/var/lib/rightsdesk"]

# Exit 1 when a component is failing or has been silent for 15 minutes (cases/health.py).
HEALTHCHECK --interval=2m --timeout=30s --start-period=2m --retries=2 \
    CMD ["rightsdesk", "health"]
# SIGTERM stops it cleanly: IDLE ended, work in flight finished, nothing half-written.
STOPSIGNAL SIGTERM
# Case records are personal data: files 0600, directories 0700, like UMask=0077 in
# deploy/rightsdesk.service (the rightsdesk command also sets it for what it creates).
ENTRYPOINT ["/bin/sh", "-c", "umask 0077 && exec rightsdesk \"$@\"", "rightsdesk"]
CMD ["run"]
