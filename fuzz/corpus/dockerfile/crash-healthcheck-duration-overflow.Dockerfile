FROM ngie
COPY nf /donf
HEALTHCHECK --interval=1s --start-interval=1111111111111111111111s --retries=5 \
    CMD t #

ARRG GOSI@X=1.22ÇARG ALPROM =$/
R