// Reads every blob of a container back with Microsoft's JavaScript client, a reader independent of the .NET SDK that
// BatchEditor writes with, and prints one JSON line per blob: its name, type, stored Content-MD5, metadata, and the
// length and MD5 of the bytes actually downloaded.
// usage: node read-blobs.mjs <connection string> <container>
import { createHash } from "node:crypto";
import { BlobServiceClient } from "@azure/storage-blob";

const [connectionString, containerName] = process.argv.slice(2);
const container = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(containerName);
for await (const item of container.listBlobsFlat({ includeMetadata: true })) {
  const download = await container.getBlobClient(item.name).download();
  const hash = createHash("md5");
  let length = 0;
  for await (const chunk of download.readableStreamBody) {
    hash.update(chunk);
    length += chunk.length;
  }
  console.log(JSON.stringify({
    name: item.name,
    contentType: download.contentType,
    contentMd5: item.properties.contentMD5 ? Buffer.from(item.properties.contentMD5).toString("base64") : null,
    metadata: item.metadata,
    length,
    bytesMd5: hash.digest("base64"),
  }));
}
