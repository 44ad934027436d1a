// deploy/docker-compose.yml (issue 15: two nodes on one PostgreSQL, media in MinIO), proved without Docker: this
// machine has no Docker daemon and no registry. The file is read with Bun's YAML parser and checked against the
// Dockerfile and the real config loader; then its two node services run the way compose would run them, as real
// `chasqui serve` processes from source, each with exactly the compose environment (plus the Dockerfile's ENV) and
// only the host names rewritten to loopback stand-ins: a PostgreSQL of its own that checks the compose's password,
// and s3rver with the compose's bucket and keys. What this does not prove: the image build, the distroless runtime,
// compose's own networking and healthchecks, MinIO itself.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { SQL } from "bun";
import AWSAccount from "s3rver/lib/models/account";
import { ConfigError, loadConfig } from "../../src/config";
import { callApi, startChild } from "../support/child-server";
import { freePort } from "../support/determinism";
import { type OwnCluster, startOwnCluster } from "../support/postgres";
import { type S3Server, startS3Server } from "../support/s3-server";
import { waitFor } from "../support/test-app";

const root = join(import.meta.dir, "../..");
const composePath = join(root, "deploy/docker-compose.yml");
const WAIT = { timeoutMs: 30_000 };
setDefaultTimeout(60_000);

type Service = {
  image?: string;
  build?: { context: string; dockerfile: string };
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  command?: string | string[];
  volumes?: string[];
  ports?: string[];
};
type Compose = { services: Record<string, Service>; volumes: Record<string, unknown> };

const composeText = readFileSync(composePath, "utf8");
const compose = Bun.YAML.parse(composeText) as Compose;
const services = compose.services;
const nodeNames = Object.keys(services).filter((name) => name.startsWith("chasqui-"));
const envOf = (name: string) => services[name]!.environment!;

/** The Dockerfile's runtime stage: its ENV (what every container starts with) and EXPOSEd port. */
const image = (() => {
  const text = readFileSync(join(root, "Dockerfile"), "utf8");
  const runStage = text.slice(text.lastIndexOf("\nFROM "));
  const env: Record<string, string> = {};
  for (const line of runStage.split("\n").filter((l) => l.startsWith("ENV ")))
    for (const pair of line.slice(4).trim().split(/\s+/)) {
      const [k, v] = pair.split("=");
      env[k!] = v!;
    }
  return { env, expose: /^EXPOSE (\d+)$/m.exec(runStage)?.[1] };
})();

/** "8081:8080" or "127.0.0.1:8081:8080" → its host and container ports. */
function portMapping(spec: string): { host: string; container: string } {
  const parts = spec.split(":");
  return { host: parts.at(-2)!, container: parts.at(-1)! };
}

/** "data-a:/data" → the named volume and where it is mounted. */
function volumeMount(spec: string): { volume: string; target: string } {
  const [volume, target] = spec.split(":");
  return { volume: volume!, target: target! };
}

describe("deploy/docker-compose.yml, read", () => {
  test("Bun's YAML parser resolves the anchors and merge keys: each node has the shared settings and its own", () => {
    expect(composeText).toContain("<<: *chasqui");
    expect(JSON.stringify(compose)).not.toContain("<<");
    const shared = (compose as unknown as Record<string, Service>)["x-chasqui"]!;
    expect(nodeNames).toEqual(["chasqui-a", "chasqui-b"]);
    for (const name of nodeNames) {
      const service = services[name]!;
      // The anchor's keys, with the node's own on top (compose's merge: the node's keys win).
      const { environment, ...rest } = service;
      const { environment: sharedEnvironment, ...sharedRest } = shared;
      expect(rest).toMatchObject(sharedRest);
      expect(environment).toMatchObject(sharedEnvironment!);
      expect(Object.keys(environment!).length).toBeGreaterThan(Object.keys(sharedEnvironment!).length);
    }
  });

  test("every chasqui-* service builds from the repository's Dockerfile and waits for postgres (healthy) and the bucket (created)", () => {
    for (const name of nodeNames) {
      const { build, depends_on } = services[name]!;
      // Compose resolves the context from the file's folder, and the dockerfile inside the context.
      const context = resolve(join(root, "deploy"), build!.context);
      expect(context).toBe(resolve(root));
      expect(resolve(context, build!.dockerfile)).toBe(join(root, "Dockerfile"));
      expect(existsSync(join(context, build!.dockerfile))).toBe(true);
      expect(depends_on).toEqual({
        postgres: { condition: "service_healthy" },
        "minio-bucket": { condition: "service_completed_successfully" },
      });
    }
    expect(services.postgres!.healthcheck!.test.join(" ")).toContain("pg_isready");
    expect(services.minio!.healthcheck).toBeDefined();
    expect(services["minio-bucket"]!.depends_on).toEqual({ minio: { condition: "service_healthy" } });
  });

  test("postgres, minio and the bucket job are set up for the credentials, bucket and endpoint the nodes use", () => {
    for (const name of nodeNames) {
      const env = envOf(name);
      const db = new URL(env.DATABASE_URL!);
      expect(services.postgres!.environment).toEqual({
        POSTGRES_USER: decodeURIComponent(db.username),
        POSTGRES_PASSWORD: decodeURIComponent(db.password),
        POSTGRES_DB: db.pathname.slice(1),
      });
      expect(db.hostname in services).toBe(true);
      const s3 = new URL(env.MEDIA_S3_ENDPOINT!);
      expect(s3.hostname in services).toBe(true);
      expect(services[s3.hostname]!.environment).toEqual({
        MINIO_ROOT_USER: env.MEDIA_S3_ACCESS_KEY_ID!,
        MINIO_ROOT_PASSWORD: env.MEDIA_S3_SECRET_ACCESS_KEY!,
      });
      const job = [services["minio-bucket"]!.command].flat().join(" ");
      expect(job).toContain(
        `mc alias set local ${env.MEDIA_S3_ENDPOINT} ${env.MEDIA_S3_ACCESS_KEY_ID} ${env.MEDIA_S3_SECRET_ACCESS_KEY}`,
      );
      expect(job).toContain(`mc mb --ignore-existing local/${env.MEDIA_S3_BUCKET}`);
    }
  });

  test("every variable set for a node is one Chasqui reads: changing its value changes what loadConfig gives", () => {
    const imageEnv = image.env;
    /** Read by the config loader: another value gives another Config, or an error naming the variable. */
    const heard = (env: Record<string, string>, key: string): boolean => {
      const base = loadConfig(env);
      const value = env[key]!;
      const other = /^\d+$/.test(value) ? String(Number(value) + 1) : `${value}1`;
      try {
        return !Bun.deepEquals(loadConfig({ ...env, [key]: other }), base);
      } catch (err) {
        if (err instanceof ConfigError) return err.message.includes(`${key}:`);
        throw err;
      }
    };
    for (const name of nodeNames) {
      const env = { ...imageEnv, ...envOf(name) };
      const config = loadConfig(env);
      expect(config).toMatchObject({
        port: Number(imageEnv.PORT),
        database: { kind: "postgres", url: env.DATABASE_URL, poolMax: Number(env.DATABASE_POOL_MAX) },
        mediaStore: { kind: "s3", bucket: env.MEDIA_S3_BUCKET, endpoint: env.MEDIA_S3_ENDPOINT },
        nodeId: env.NODE_ID,
        nodeAddress: env.NODE_ADDRESS,
        publicUrl: env.PUBLIC_URL,
      });
      expect(Object.keys(env).filter((key) => !heard(env, key))).toEqual([]);
      // The check tells a typo: a misspelled variable is dropped unread.
      expect(heard({ ...env, DATABASE_POOL_MAXX: "10" }, "DATABASE_POOL_MAXX")).toBe(false);
    }
  });

  test("the two nodes have distinct NODE_ID, a NODE_ADDRESS reachable by service name, distinct volumes and ports", () => {
    const { env: imageEnv, expose } = image;
    expect(expose).toBe(imageEnv.PORT);
    const ids = new Set<string>();
    const volumes = new Set<string>();
    const hostPorts = new Set<string>();
    for (const name of nodeNames) {
      const service = services[name]!;
      const env = service.environment!;
      ids.add(env.NODE_ID!);
      // The other nodes forward calls to NODE_ADDRESS: the service's name on compose's network, the port it listens on.
      const address = new URL(env.NODE_ADDRESS!);
      expect(address.hostname).toBe(name);
      expect(address.port).toBe(imageEnv.PORT!);
      const mounts = service.volumes!.map(volumeMount);
      expect(mounts.map((m) => m.target)).toEqual([imageEnv.DATA_DIR!]);
      for (const m of mounts) {
        expect(m.volume in compose.volumes).toBe(true);
        volumes.add(m.volume);
      }
      const ports = service.ports!.map(portMapping);
      expect(ports.map((p) => p.container)).toEqual([imageEnv.PORT!]);
      for (const p of ports) hostPorts.add(p.host);
      // Media links name the port published on the host.
      expect(new URL(env.PUBLIC_URL!).port).toBe(ports[0]!.host);
    }
    expect(ids.size).toBe(nodeNames.length);
    expect(volumes.size).toBe(nodeNames.length);
    expect(hostPorts.size).toBe(nodeNames.length);
  });
});

type Node = Awaited<ReturnType<typeof startChild>> & { name: string; id: string; dataDir: string };

describe("deploy/docker-compose.yml, run as compose runs it (two `chasqui serve` processes, no Docker)", () => {
  let work: string;
  const token = envOf("chasqui-a").API_TOKEN!;
  const s3Key = envOf("chasqui-a").MEDIA_S3_ACCESS_KEY_ID!;
  let pg: OwnCluster;
  let s3: S3Server;
  const nodes: Node[] = [];

  /**
   * The compose environment of `name` with the Dockerfile's ENV under it, every host name rewritten to its stand-in
   * on this machine: postgres:5432 → the test PostgreSQL, minio:9000 → s3rver, the node's own name and published
   * port → its loopback address. NODE_ADDRESS and PUBLIC_URL name a port fixed before the start, so PORT is that
   * port rather than 0. Nothing else is added, nothing of this process's environment is inherited.
   */
  function environmentOf(name: string, port: number, dataDir: string): Record<string, string> {
    const imageEnv = image.env;
    const env: Record<string, string> = { ...imageEnv, ...envOf(name) };
    const self = `http://127.0.0.1:${port}`;
    const db = new URL(env.DATABASE_URL!);
    expect(`${db.hostname}:${db.port}`).toBe("postgres:5432");
    db.hostname = "127.0.0.1";
    db.port = String(pg.port);
    const s3Endpoint = new URL(env.MEDIA_S3_ENDPOINT!);
    expect(s3Endpoint.host).toBe("minio:9000");
    expect(new URL(env.NODE_ADDRESS!).hostname).toBe(name);
    const rewritten = {
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: "127.0.0.1",
      DATABASE_URL: db.href,
      MEDIA_S3_ENDPOINT: s3.endpoint,
      NODE_ADDRESS: self,
      PUBLIC_URL: self,
    };
    for (const key of Object.keys(rewritten)) expect(key in env).toBe(true);
    return { ...env, ...rewritten };
  }

  async function startNode(name: string): Promise<Node> {
    const dataDir = join(work, name);
    for (let attempt = 1; ; attempt++) {
      const env = environmentOf(name, freePort(), dataDir);
      try {
        const child = await startChild([process.execPath, join(root, "src/cli.ts"), "serve"], env, 60_000, {
          exactEnv: true,
        });
        const node = Object.assign(child, { name, id: env.NODE_ID!, dataDir });
        nodes.push(node);
        return node;
      } catch (err) {
        if (attempt === 3 || !String(err).includes("already in use")) throw err;
      }
    }
  }

  const api = (node: Node, method: string, path: string, body?: unknown) =>
    callApi(node.url, token, method, path, body);

  let a: Node;
  let b: Node;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "chasqui-compose-"));
    // PostgreSQL as the compose's postgres service makes it: the role and database of DATABASE_URL, a password
    // checked on every TCP connection (the test cluster trusts everyone, so its hba file is replaced).
    const db = new URL(envOf("chasqui-a").DATABASE_URL!);
    // PostgreSQL runs as `nobody` when the tests run as root: it must reach the file.
    chmodSync(work, 0o755);
    const hbaFile = join(work, "pg_hba.conf");
    writeFileSync(
      hbaFile,
      "local all all trust\nhost all postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n",
    );
    chmodSync(hbaFile, 0o644);
    pg = await startOwnCluster({ hba_file: hbaFile, password_encryption: "scram-sha-256" });
    const admin = new SQL({ url: pg.url("postgres"), max: 1 });
    try {
      const role = decodeURIComponent(db.username);
      const password = decodeURIComponent(db.password).replaceAll("'", "''");
      await admin.unsafe(`create role "${role}" login password '${password}'`);
      await admin.unsafe(`create database "${db.pathname.slice(1)}" owner "${role}"`);
    } finally {
      await admin.close();
    }
    // s3rver with the compose's bucket, accepting the compose's keys (MinIO's root user) besides its own.
    s3 = await startS3Server(envOf("chasqui-a").MEDIA_S3_BUCKET!);
    AWSAccount.DUMMY_ACCOUNT.createKeyPair(s3Key, envOf("chasqui-a").MEDIA_S3_SECRET_ACCESS_KEY!);
    // Both at once on the empty database, as compose starts them once postgres is healthy.
    [a, b] = (await Promise.all(nodeNames.map(startNode))) as [Node, Node];
  }, 120_000);

  afterAll(async () => {
    for (const n of nodes) n.proc.kill("SIGTERM");
    const codes = await Promise.all(nodes.map((n) => n.proc.exited));
    if (process.env.E2E_DEBUG) for (const n of nodes) console.log(n.name, n.stdout(), n.stderr());
    AWSAccount.DUMMY_ACCOUNT.revokeAccessKey(s3Key);
    await s3?.[Symbol.asyncDispose]();
    await pg?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
    expect(codes).toEqual(nodes.map(() => 0));
  }, 60_000);

  test("PostgreSQL checks the compose's password: a wrong one is refused", async () => {
    const db = new URL(envOf("chasqui-a").DATABASE_URL!);
    db.hostname = "127.0.0.1";
    db.port = String(pg.port);
    db.password = "not-the-password";
    const wrong = new SQL({ url: db.href, max: 1, connectionTimeout: 5 });
    try {
      await expect(wrong`select 1`).rejects.toThrow(/password authentication failed/);
    } finally {
      await wrong.close();
    }
  });

  test("both nodes answer /health/ready 200 naming their node and the address the other reaches it at", async () => {
    for (const node of [a, b]) {
      const res = await fetch(`${node.url}/health/ready`);
      const body = (await res.json()) as Record<string, any>;
      expect(res.status).toBe(200);
      expect(body.postgres).toMatchObject({
        node: node.id,
        address: node.url,
        database: "ok",
        migrations: "ok",
      });
    }
    const listed = await api(a, "GET", "/api/v1/admin/nodes");
    expect(listed.status).toBe(200);
    expect((listed.body.nodes as { id: string }[]).map((n) => n.id).sort()).toEqual([a.id, b.id].sort());
  });

  test("a sandbox connection created through node a runs on a and answers a send made through node b", async () => {
    const created = await api(a, "POST", "/api/v1/connections", {
      name: "Compose sandbox",
      driver: "sandbox",
    });
    expect(created.status).toBe(201);
    const id = created.body.id as number;
    const ownerOf = async (via: Node) =>
      (
        (await api(via, "GET", "/api/v1/admin/nodes")).body.nodes as { id: string; connections: number[] }[]
      ).find((n) => n.connections.includes(id))?.id;
    expect(await waitFor(() => ownerOf(b), { ...WAIT, message: "the sandbox has an owner" })).toBe(a.id);
    // Node b learns who runs the connection at its next claim round (every CLUSTER_LEASE_TTL_MS / 3); until then it
    // answers 409 ERR_WAPP_NOT_CONNECTED, and nothing was sent.
    const sent = await waitFor(
      async () => {
        const r = await api(b, "POST", "/api/v1/send", {
          number: "595991000801",
          body: "hola",
          whatsappId: id,
        });
        return r.status === 409 && r.body.error === "ERR_WAPP_NOT_CONNECTED" ? undefined : r;
      },
      { ...WAIT, message: "a send through node b is answered by node a's sandbox" },
    );
    expect(sent).toMatchObject({ status: 201 });
    const messageId = sent.body.data[0].messageId as string;
    expect(messageId).toStartWith("3EB0");
    // Node a sees the message b sent, acknowledged by a's sandbox.
    const ticketId = sent.body.data[0].ticketId as number;
    await waitFor(
      async () => {
        const r = await api(a, "GET", `/api/v1/tickets/${ticketId}/messages?limit=10`);
        return (r.body.messages as { id: string; ack: number }[]).find(
          (m) => m.id === messageId && m.ack >= 1,
        );
      },
      { ...WAIT, message: "node a reads the acknowledged message" },
    );
  });

  test("a file sent through node b is in the shared bucket and downloadable from node a", async () => {
    const created = await api(b, "POST", "/api/v1/connections", { name: "Compose media", driver: "sandbox" });
    expect(created.status).toBe(201);
    const bytes = Buffer.concat([
      Buffer.from("89504e470d0a1a0a0000000d49484452", "hex"),
      crypto.getRandomValues(new Uint8Array(2000)),
    ]);
    const form = new FormData();
    form.set("number", "595991000802");
    form.set("whatsappId", String(created.body.id));
    form.append("medias", new File([bytes], "pedido.png", { type: "image/png" }));
    const sent = await api(b, "POST", "/api/v1/send", form);
    expect(sent.status).toBe(201);
    const mediaUrl = sent.body.data[0].mediaUrl as string;
    expect(mediaUrl.startsWith(`${b.url}/public/`)).toBe(true);
    const file = mediaUrl.slice(`${b.url}/public/`.length);
    expect(await s3.keys()).toContain(file);
    const res = await fetch(`${a.url}/public/${file}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
  });
});
