import { join } from "node:path";
import { createRoute, z } from "@hono/zod-openapi";
import { openBackupStream } from "../../../db/backup";
import { AppError } from "../../../errors";
import { adminOnly } from "../../auth";
import { createRouter } from "../../create-router";
import { commonErrors, ErrorSchema } from "../../wire";

const BackupQuery = z.object({
  media: z.enum(["true", "false"]).default("false").openapi({
    description:
      "`true`: a tar of `chasqui.sqlite` and `media/…` instead of the database alone. Refused (400) when media are in an S3 bucket (MEDIA_S3_BUCKET): back the bucket up with its provider's tools",
  }),
});

const binary = (description: string) => ({
  description,
  content: {
    "application/vnd.sqlite3": {
      schema: z.string().openapi({ format: "binary" }),
      example: "SQLite format 3\u0000… (the database file)",
    },
    "application/x-tar": {
      schema: z.string().openapi({ format: "binary" }),
      example: "chasqui.sqlite, media/3f2a….jpg, … (a POSIX tar)",
    },
  },
});

/** Why `media=true` is refused with a bucket: a backup that silently lacked the files would be worse. */
export const MEDIA_IN_BUCKET =
  "Media are stored in the S3 bucket (MEDIA_S3_BUCKET), not in DATA_DIR: back up the database alone and the bucket with your provider's tools (versioning, replication or a sync)";

export const adminRouter = createRouter();
adminRouter.use("/admin/*", adminOnly);
adminRouter.openapi(
  createRoute({
    method: "get",
    path: "/admin/backup",
    tags: ["Admin"],
    summary: "Download a consistent backup (admin)",
    description:
      "A snapshot of the database taken with SQLite's `VACUUM INTO` while the server keeps writing: every request answered before this one began is in it. Plain `application/vnd.sqlite3` (`chasqui-<time>.sqlite`), or with `media=true` an `application/x-tar` (`chasqui-<time>.tar`) holding `chasqui.sqlite` and `media/<file>…`. Restore either with `chasqui restore FILE` while the server is stopped.",
    request: { query: BackupQuery },
    responses: {
      200: binary("The backup, streamed"),
      ...commonErrors,
      503: {
        description: "The snapshot could not be written (ERR_SERVICE_UNAVAILABLE)",
        content: { "application/json": { schema: ErrorSchema } },
      },
    },
  }),
  async (c) => {
    const { config, db, logger } = c.get("deps");
    const withMedia = c.req.valid("query").media === "true";
    if (withMedia && config.mediaStore.kind === "s3")
      throw new AppError("ERR_VALIDATION", MEDIA_IN_BUCKET, [{ path: "media", message: MEDIA_IN_BUCKET }]);
    const file = db.$client.filename;
    const started = performance.now();
    let backup: Awaited<ReturnType<typeof openBackupStream>>;
    try {
      backup = await openBackupStream({
        // An in-memory database (tests) has no file a worker could open: copy through this connection.
        database: file && file !== ":memory:" ? file : db.$client,
        dataDir: config.dataDir,
        workDir: join(config.dataDir, "tmp"),
        withMedia,
      });
    } catch (err) {
      logger.error({ err }, "backup snapshot failed");
      throw new AppError(
        "ERR_SERVICE_UNAVAILABLE",
        `The backup could not be made: ${(err as Error).message}`,
      );
    }
    logger.info(
      {
        module: "backup",
        withMedia,
        snapshotMs: Math.round(performance.now() - started),
        bytes: backup.size,
      },
      "backup snapshot taken",
    );
    const chunks = backup.chunks;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      // A client that goes away closes the snapshot's file descriptor through the generator's finally.
      async cancel() {
        await chunks.return(undefined);
      },
    });
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    const name = `chasqui-${stamp}.${backup.kind === "tar" ? "tar" : "sqlite"}`;
    return new Response(body, {
      status: 200,
      headers: {
        "content-type": backup.kind === "tar" ? "application/x-tar" : "application/vnd.sqlite3",
        "content-disposition": `attachment; filename="${name}"`,
        "cache-control": "no-store",
        ...(backup.size === undefined ? {} : { "content-length": String(backup.size) }),
      },
    });
  },
);
