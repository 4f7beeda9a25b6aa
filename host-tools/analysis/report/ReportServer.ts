import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { DeepArForecast } from "./DeepArForecast.ts";
import { readLakeReport, type LakeReportOptions, type ReportData } from "./LakeReport.ts";
import { renderReportPage } from "./ReportPage.ts";
import { boardPageNav, BoardSelectionError, parseBoardSelection, selectBoards, type BoardPage, type BoardSelection } from "./BoardPaging.ts";

export interface ReportServerOptions extends Omit<LakeReportOptions, "forecasts" | "now"> {
  /** TCP port; 0 picks a free one (default 8080). */
  readonly port?: number;
  /** Address to listen on (default 127.0.0.1: the report is for this machine's user). */
  readonly host?: string;
  /** A report is reused for this long (ms) before the lake is read again (default 5000). */
  readonly cacheMs?: number;
  /** Asked at each rebuild, so the page shows the newest forecasts. */
  readonly forecasts?: () => readonly DeepArForecast[] | Promise<readonly DeepArForecast[]>;
}

interface BuiltReport {
  readonly data: ReportData;
  readonly page: BoardPage;
}

/** Selections (a page, a board filter) whose reports are kept for the cache time. */
const CACHED_SELECTIONS = 16;

/** The page itself has no script and loads nothing: say so to the browser, so an escaping slip cannot run code. */
const PAGE_HEADERS = {
  "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
  "x-content-type-options": "nosniff",
  "cache-control": "no-store",
};

/** Serves the report over HTTP: `/` the page, `/data.json` what it draws, rebuilt from the lake when older than the cache time. */
export class ReportServer {
  readonly #options: ReportServerOptions;
  readonly #server: Server;
  readonly #cached = new Map<string, { at: number; report: Promise<BuiltReport> }>();
  #url: string | undefined;

  constructor(options: ReportServerOptions) {
    this.#options = options;
    this.#server = createServer((request, response) => {
      this.#handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) response.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        response.end(`report failed: ${(error as Error).message}\n`);
      });
    });
  }

  /** Listens, and gives the page's URL. */
  async start(): Promise<string> {
    const host = this.#options.host ?? "127.0.0.1";
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(this.#options.port ?? 8080, host, () => {
        this.#server.off("error", reject);
        resolve();
      });
    });
    const { port } = this.#server.address() as AddressInfo;
    this.#url = `http://${host.includes(":") ? `[${host}]` : host}:${port}/`;
    return this.#url;
  }

  get url(): string {
    if (this.#url === undefined) throw new Error("ReportServer: not started");
    return this.#url;
  }

  async stop(): Promise<void> {
    if (!this.#server.listening) return;
    const closed = new Promise<void>((resolve, reject) => this.#server.close((error) => (error ? reject(error) : resolve())));
    this.#server.closeAllConnections();
    await closed;
    this.#url = undefined;
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const pathname = new URL(request.url ?? "/", "http://report").pathname;
    if (pathname !== "/" && pathname !== "/data.json") {
      response.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end(`no ${pathname} here: the report is at / and its data at /data.json\n`);
      return;
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      response
        .writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" })
        .end(`${request.method} not allowed: the report is read-only\n`);
      return;
    }
    let selection;
    try {
      selection = parseBoardSelection(new URL(request.url ?? "/", "http://report").searchParams);
    } catch (error) {
      if (!(error instanceof BoardSelectionError)) throw error;
      response.writeHead(400, { "content-type": "text/plain; charset=utf-8" }).end(`${error.message}\n`);
      return;
    }
    let report;
    try {
      report = await this.#report(selection);
    } catch (error) {
      if (!(error instanceof BoardSelectionError)) throw error;
      response.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end(`${error.message}\n`);
      return;
    }
    const [type, body] =
      pathname === "/"
        ? ["text/html; charset=utf-8", renderReportPage(report.data, boardPageNav(report.page, report.data.fleetSize))]
        : ["application/json", JSON.stringify(report.data)];
    response.writeHead(200, { ...PAGE_HEADERS, "content-type": type, "content-length": Buffer.byteLength(body) });
    response.end(request.method === "HEAD" ? undefined : body);
  }

  #report(selection: BoardSelection): Promise<BuiltReport> {
    const now = Date.now();
    const key = JSON.stringify(selection);
    const cached = this.#cached.get(key);
    if (cached && now - cached.at < (this.#options.cacheMs ?? 5000)) return cached.report;
    const report = this.#build(now, selection);
    this.#cached.delete(key);
    this.#cached.set(key, { at: now, report });
    // The oldest selection goes first: a visitor paging through a fleet does not keep every page.
    if (this.#cached.size > CACHED_SELECTIONS) this.#cached.delete(this.#cached.keys().next().value!);
    // A failed build is not kept: the next request tries again.
    report.catch(() => {
      if (this.#cached.get(key)?.report === report) this.#cached.delete(key);
    });
    return report;
  }

  async #build(now: number, selection: BoardSelection): Promise<BuiltReport> {
    const forecasts = this.#options.forecasts ? await this.#options.forecasts() : [];
    const { lakeDir, windowHours, threshold } = this.#options;
    let page: BoardPage | undefined;
    const data = await readLakeReport({
      lakeDir,
      windowHours,
      threshold,
      forecasts,
      now,
      select: (things) => {
        const chosen = selectBoards(things, selection);
        page = chosen.page;
        return chosen.things;
      },
    });
    return { data, page: page! };
  }
}
