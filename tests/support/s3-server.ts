import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";

/** s3rver's built-in account: it checks the key id, and signs the same way as AWS. */
export const S3_KEY_ID = "S3RVER";
export const S3_SECRET = "S3RVER";

/**
 * A real S3-compatible server (s3rver: objects on disk, the S3 REST protocol with SigV4) on a loopback
 * port, with one bucket. Stop with `await using s3 = await startS3Server()`.
 */
export async function startS3Server(bucket = "chasqui-media") {
  const directory = mkdtempSync(join(tmpdir(), "chasqui-s3-"));
  const server = new S3rver({
    port: 0,
    address: "127.0.0.1",
    silent: true,
    directory,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  /** A client of its own, for the test to look into the bucket independently of the server under test. */
  const client = new Bun.S3Client({ bucket, endpoint, accessKeyId: S3_KEY_ID, secretAccessKey: S3_SECRET });
  return {
    endpoint,
    bucket,
    client,
    /** The MEDIA_S3_* settings that point Chasqui at this bucket. */
    env(extra: Record<string, string> = {}): Record<string, string> {
      return {
        MEDIA_S3_BUCKET: bucket,
        MEDIA_S3_ENDPOINT: endpoint,
        MEDIA_S3_REGION: "us-east-1",
        MEDIA_S3_ACCESS_KEY_ID: S3_KEY_ID,
        MEDIA_S3_SECRET_ACCESS_KEY: S3_SECRET,
        ...extra,
      };
    },
    /** Keys in the bucket under a prefix. */
    async keys(prefix = ""): Promise<string[]> {
      const list = await client.list({ prefix, maxKeys: 1000 });
      return (list.contents ?? []).map((o) => o.key).sort();
    },
    /** Creates another bucket (S3 CreateBucket: a PUT on the bucket's path; s3rver takes it unsigned). */
    async createBucket(name: string) {
      const res = await fetch(`${endpoint}/${name}`, { method: "PUT" });
      if (!res.ok) throw new Error(`CreateBucket ${name}: ${res.status} ${await res.text()}`);
    },
    async [Symbol.asyncDispose]() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

export type S3Server = Awaited<ReturnType<typeof startS3Server>>;
