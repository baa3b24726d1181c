# ParkLink worker image: the project installed with pip (editable, so playbooks/, templates/ and data/ stay beside
# the code at /opt/parklink), `parklink worker` as the entrypoint. Build from the repository root:
#
#   docker build --build-arg PARKLINK_COMMIT=$(git rev-parse --short HEAD) -t parklink:$(git rev-parse --short HEAD) .
#
# Run one per worker machine (options after the image name go to `parklink worker`):
#
#   docker run -d --restart unless-stopped --name parklink-worker \
#     -e PREFECT_API_URL=http://prefect.park.example:4200/api \
#     -e PARKLINK_DATABASE_URL=postgresql+psycopg://parklink:…@db.park.example/parklink \
#     -e PARKLINK_ACK_BASE_URL=https://ack.park.example -e PARKLINK_ACK_SECRET_BLOCK=parklink-ack-secret \
#     parklink:<sha> --limit 4 --name "$(hostname)"
#
# Deployments made from this image (`docker run --rm --entrypoint parklink … parklink:<sha> deploy`) record
# /opt/parklink as the runs' working directory and PARKLINK_COMMIT in their version.
FROM python:3.11-slim

ARG PARKLINK_COMMIT=""
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PREFECT_SERVER_ANALYTICS_ENABLED=false \
    PARKLINK_HOME=/var/lib/parklink \
    PARKLINK_COMMIT=${PARKLINK_COMMIT}

# git: for deployments made with `parklink deploy --source git` (a git_clone pull step on the worker)
RUN apt-get update \
    && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/parklink
COPY . .
RUN pip install -e . \
    && useradd --system --create-home --home-dir /home/parklink parklink \
    && mkdir -p /var/lib/parklink \
    && chown parklink /var/lib/parklink

USER parklink
ENTRYPOINT ["parklink", "worker"]
