import { createHash, X509Certificate } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { checkThingName } from "../../../firmware/session/ThingName.ts";

/** A certificate's status in the registry, as AWS IoT's UpdateCertificate sets it. */
export type CertificateStatus = "ACTIVE" | "INACTIVE" | "REVOKED";
const STATUSES: readonly CertificateStatus[] = ["ACTIVE", "INACTIVE", "REVOKED"];

interface RegistryDocument {
  /** Thing names, each with the certificate IDs attached to it (AWS: AttachThingPrincipal). */
  things: Record<string, { principals: string[] }>;
  certificates: Record<string, { status: CertificateStatus; pem: string }>;
}

/**
 * A dictionary without a prototype: thing names are chosen by whoever connects, and "constructor",
 * "toString" and "__proto__" are valid ones, which on a plain object would find Object.prototype's
 * members (or, assigned, replace the prototype) instead of a thing.
 */
function dictionary<T>(entries: Record<string, T> = {}): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, entries);
}

function emptyDocument(): RegistryDocument {
  return { things: dictionary(), certificates: dictionary() };
}

/** Whether a connection's certificate may connect as `clientId`; the refusal names what is missing. */
export type Admission = { readonly admitted: true; readonly thing: string } | { readonly admitted: false; readonly reason: string };

/** The registry file under a state folder: things and their certificates, which `aqm provision local` and the twin fill in. */
export function registryFile(stateDir: string): string {
  return path.join(stateDir, "registry", "things.json");
}

/** AWS IoT's certificate ID: the SHA-256 of the certificate's DER, in hex. */
export function certificateId(certificate: Uint8Array | string): string {
  const der = typeof certificate === "string" ? new X509Certificate(certificate).raw : certificate;
  return createHash("sha256").update(der).digest("hex");
}

/**
 * The local core's thing registry, as AWS IoT's: things, certificates with a status, and which
 * certificates are attached to which thing. A connection is admitted only with a registered,
 * ACTIVE certificate attached to the thing its client ID names (`iot:Connection.Thing.IsAttached`).
 * Kept in a JSON file that is re-read when it changes, so a certificate revoked or a thing
 * provisioned by another process counts from the next connection on.
 */
export class ThingRegistry {
  readonly #file: string | undefined;
  #document: RegistryDocument = emptyDocument();
  #seen = "";

  private constructor(file: string | undefined) {
    this.#file = file;
  }

  /** The registry in `<stateDir>/registry/things.json`, created empty when there is none. */
  static open(stateDir: string): ThingRegistry {
    const registry = new ThingRegistry(registryFile(stateDir));
    registry.#reload();
    return registry;
  }

  /** A registry kept only in memory, for tests and throwaway cores. */
  static inMemory(): ThingRegistry {
    return new ThingRegistry(undefined);
  }

  /** Registers the thing and its certificate (ACTIVE) and attaches them, as `aqm provision aws` does in AWS; returns the certificate ID. */
  provision(thing: string, certPem: string): string {
    return this.#change((document) => {
      checkThingName(thing);
      const id = certificateId(certPem);
      document.certificates[id] ??= { status: "ACTIVE", pem: certPem };
      const entry = (document.things[thing] ??= { principals: [] });
      if (!entry.principals.includes(id)) entry.principals.push(id);
      return id;
    });
  }

  /** Registers a certificate without attaching it to any thing. */
  registerCertificate(certPem: string, status: CertificateStatus = "ACTIVE"): string {
    return this.#change((document) => {
      const id = certificateId(certPem);
      document.certificates[id] = { status, pem: certPem };
      return id;
    });
  }

  setStatus(id: string, status: CertificateStatus): void {
    this.#change((document) => {
      const certificate = document.certificates[id];
      if (!certificate) throw new Error(`no certificate ${id} in the thing registry ${this.#where}`);
      certificate.status = status;
    });
  }

  detach(thing: string, id: string): void {
    this.#change((document) => {
      const entry = document.things[thing];
      if (entry) entry.principals = entry.principals.filter((principal) => principal !== id);
    });
  }

  /** Whether the certificate `certDer` may connect with this client ID, and as which thing. */
  admit(certDer: Uint8Array, clientId: string): Admission {
    this.#reload();
    const id = certificateId(certDer);
    const certificate = this.#document.certificates[id];
    const short = id.slice(0, 12);
    if (!certificate) return { admitted: false, reason: `certificate ${short}… is not registered in the thing registry ${this.#where}` };
    if (certificate.status !== "ACTIVE") return { admitted: false, reason: `certificate ${short}… is ${certificate.status}, not ACTIVE` };
    const thing = this.#document.things[clientId];
    if (!thing) return { admitted: false, reason: `no thing "${clientId}" (the client ID) is registered in the thing registry ${this.#where}` };
    if (!thing.principals.includes(id)) return { admitted: false, reason: `certificate ${short}… is not attached to thing "${clientId}"` };
    return { admitted: true, thing: clientId };
  }

  get #where(): string {
    return this.#file ?? "(in memory)";
  }

  #change<T>(edit: (document: RegistryDocument) => T): T {
    this.#reload();
    const result = edit(this.#document);
    if (this.#file) {
      mkdirSync(path.dirname(this.#file), { recursive: true });
      writeFileSync(`${this.#file}.tmp`, JSON.stringify(this.#document, null, 1));
      renameSync(`${this.#file}.tmp`, this.#file);
      this.#seen = this.#stamp();
    }
    return result;
  }

  #stamp(): string {
    try {
      const stat = statSync(this.#file!);
      return `${stat.mtimeMs}/${stat.size}/${stat.ino}`;
    } catch {
      return "";
    }
  }

  #reload(): void {
    if (!this.#file) return;
    const stamp = this.#stamp();
    if (stamp === this.#seen) return;
    this.#seen = stamp;
    if (stamp === "") {
      this.#document = emptyDocument();
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(this.#file, "utf8"));
    } catch (error) {
      throw new Error(
        `the thing registry ${this.#file} is not valid JSON (${(error as Error).message}); restore it, or delete it and provision the boards again`,
      );
    }
    this.#document = checkDocument(parsed, this.#file);
  }
}

function checkDocument(parsed: unknown, file: string): RegistryDocument {
  const fail = (what: string): never => {
    throw new Error(`the thing registry ${file} ${what}`);
  };
  if (typeof parsed !== "object" || parsed === null) return fail("is not a JSON object");
  const { things, certificates } = parsed as Partial<RegistryDocument>;
  if (typeof things !== "object" || things === null) return fail('has no "things" object');
  if (typeof certificates !== "object" || certificates === null) return fail('has no "certificates" object');
  for (const [name, thing] of Object.entries(things)) if (!Array.isArray(thing?.principals)) fail(`has thing "${name}" without a "principals" list`);
  for (const [id, certificate] of Object.entries(certificates))
    if (!STATUSES.includes(certificate?.status))
      fail(`has certificate ${id} with status ${JSON.stringify(certificate?.status)}, not one of ${STATUSES.join(", ")}`);
  return { things: dictionary(things), certificates: dictionary(certificates) };
}
