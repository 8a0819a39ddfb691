FROM ubuntu:14.04
MAINTAINER Docker Education Team <education@docker.com>
ENV DEBIAN_FRONTEND noninteractive
RUN apt-get update && apt-get install -y \
        apache2 \
        libapache2-mod-php5
ENV APACHE_RUN_USER www-data
ENV APACHE_RUN_GROUP www-data
ENV APACHE_LOG_DIR /var/log/apache2
ADD site.conf /etc/apache2/sites-enabled/000-default.conf
ADD https://example.com/robots.txt /var/www/html/
VOLUME ["/var/www/html", "/var/log/apache2"]
EXPOSE 80 443
CMD /usr/sbin/apache2ctl -D FOREGROUND
