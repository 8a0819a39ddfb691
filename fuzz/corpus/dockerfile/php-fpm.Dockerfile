FROM php:8.3-fpm-alpine

LABEL org.opencontainers.image.title="php app" \
      org.opencontainers.image.source="https://example.com/repo" \
      org.opencontainers.image.licenses=MIT

RUN set -eux; \
    apk add --no-cache --virtual .build-deps $PHPIZE_DEPS icu-dev; \
    docker-php-ext-install -j"$(nproc)" intl opcache pdo_mysql; \
    apk del .build-deps

COPY --from=composer:2 /usr/bin/composer /usr/bin/composer
COPY --chown=www-data:www-data . /var/www/html
ARG APP_ENV=prod
ENV APP_ENV=${APP_ENV}
USER www-data
HEALTHCHECK NONE
EXPOSE 9000
CMD ["php-fpm"]
