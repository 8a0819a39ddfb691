# syntax=docker/dockerfile:1.7-labs
FROM alpine
COPY --parents --exclude=**/*.md ./docs/**/ /site/
ADD --keep-git-dir=true https://github.com/moby/buildkit.git#v0.13.0 /buildkit
ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://mirrors.edge.kernel.org/pub/linux/kernel/Historic/linux-0.01.tar.gz /
RUN --network=none --security=sandbox echo isolated
