# syntax=docker/dockerfile:1
# One image per service, from one Dockerfile:
#   docker build --build-arg SERVICE=virtnet-backend -t virtnet/virtnet-backend .
# SERVICE is one of phy-agent, virtnet-backend, rtos-frontend, fault-injector, launcher; the image runs
# that module's fat jar (<module>/target/<module>.jar), so `docker run IMAGE --help` lists its flags.
# docker-compose.yml builds the three services with it. system-tests' ComposeFileIT checks that the
# jar paths copied below are the ones the modules build.

# Stage 1: the whole reactor, once (BuildKit shares this stage between the SERVICE values).
FROM maven:3-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.m2 mvn -B -q package -DskipTests

# Stage 2: a JRE, the one jar, a user without privileges.
FROM eclipse-temurin:17-jre
ARG SERVICE
# curl: the compose health check of the backend (GET /health); the base image may or may not have it.
RUN set -eux; \
    test -n "${SERVICE}" || { echo "build with --build-arg SERVICE=<module>" >&2; exit 1; }; \
    apt-get update; \
    apt-get install -y --no-install-recommends curl; \
    rm -rf /var/lib/apt/lists/*; \
    groupadd --system --gid 10001 virtnet; \
    useradd --system --uid 10001 --gid virtnet --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin virtnet
COPY --from=build /src/${SERVICE}/target/${SERVICE}.jar /opt/virtnet/service.jar
LABEL org.opencontainers.image.title="virtnet-carrier ${SERVICE}"
USER 10001:10001
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/opt/virtnet/service.jar"]
