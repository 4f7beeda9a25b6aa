import type { HostPort } from "./HostPort.ts";
import { decodeReply, encodeRequest } from "./PortWire.ts";

/**
 * Installs the host port inside the XS engine: each request crosses to Node through xsnap's
 * synchronous `issueCommand`, and the firmware bundle evaluated after this one uses it.
 */
declare const issueCommand: (message: ArrayBuffer) => ArrayBuffer;

const stringStatics = String as unknown as { fromArrayBuffer(buffer: ArrayBuffer): string };
const bufferStatics = ArrayBuffer as unknown as { fromString(text: string): ArrayBuffer };

const port: HostPort = {
  request(request) {
    return decodeReply(stringStatics.fromArrayBuffer(issueCommand(bufferStatics.fromString(encodeRequest(request)))));
  },
};

(globalThis as unknown as { aqmHostPort: HostPort }).aqmHostPort = port;
