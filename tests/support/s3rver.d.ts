/** The part of s3rver (3.7) the tests use: an S3-compatible server on a local port, objects on disk. */
declare module "s3rver" {
  type S3rverOptions = {
    port?: number;
    address?: string;
    silent?: boolean;
    directory: string;
    configureBuckets?: { name: string; configs: (string | Buffer)[] }[];
  };
  export default class S3rver {
    constructor(options: S3rverOptions);
    run(): Promise<{ address: string; port: number; family: string }>;
    close(): Promise<void>;
  }
}

/** s3rver's accounts: the server accepts requests signed with any key pair registered on its dummy account. */
declare module "s3rver/lib/models/account" {
  const AWSAccount: {
    DUMMY_ACCOUNT: {
      createKeyPair(accessKeyId: string, secretAccessKey: string): void;
      revokeAccessKey(accessKeyId: string): void;
    };
  };
  export = AWSAccount;
}
