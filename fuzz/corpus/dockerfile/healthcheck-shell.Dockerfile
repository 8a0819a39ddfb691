FROM nginx:alpine
COPY nginx.conf /etc/nginx/nginx.conf
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --start-interval=1s --retries=5 \
    CMD curl -f http://localhost/ || exit 1
STOPSIGNAL SIGTERM
