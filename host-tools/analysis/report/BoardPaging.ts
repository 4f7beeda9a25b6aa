import { escapeHtml } from "./HtmlText.ts";

/** Boards drawn on one page: a fleet's report is paged, so a thousand boards do not make one page of ten thousand charts. */
export const BOARDS_PER_PAGE = 20;

/** Which boards a request asks for: one board by name, or a page of the fleet (from 1). */
export interface BoardSelection {
  readonly board: string | undefined;
  readonly page: number;
}

export class BoardSelectionError extends Error {}

/** Reads `?board=NAME` and `?page=N` of the report's URL. */
export function parseBoardSelection(search: URLSearchParams): BoardSelection {
  const pageText = search.get("page");
  const page = pageText === null ? 1 : Number(pageText);
  if (!Number.isInteger(page) || page < 1) throw new BoardSelectionError(`page must be a whole number from 1, not "${pageText}"`);
  const board = search.get("board")?.trim() || undefined;
  return { board, page };
}

/** Where the selection is in the fleet, for the page's navigation. */
export interface BoardPage {
  readonly selection: BoardSelection;
  /** Boards that match (all of them without a board filter). */
  readonly matching: number;
  readonly pages: number;
}

/** The boards a selection draws, of the fleet's names (sorted): those whose name contains `board`, then the page asked for. */
export function selectBoards(things: readonly string[], selection: BoardSelection): { things: readonly string[]; page: BoardPage } {
  const wanted = selection.board?.toLowerCase();
  const matching = wanted === undefined ? things : things.filter((thing) => thing.toLowerCase().includes(wanted));
  const pages = Math.max(1, Math.ceil(matching.length / BOARDS_PER_PAGE));
  if (selection.page > pages) throw new BoardSelectionError(`page ${selection.page} is past the last page, ${pages}`);
  const from = (selection.page - 1) * BOARDS_PER_PAGE;
  return { things: matching.slice(from, from + BOARDS_PER_PAGE), page: { selection, matching: matching.length, pages } };
}

/** A form to filter by board name (no script: a GET form) and links to the neighbouring pages. */
export function boardPageNav(page: BoardPage, total: number): string {
  const { board, page: number } = page.selection;
  const link = (to: number, label: string): string => {
    const query = new URLSearchParams({ ...(board === undefined ? {} : { board }), page: String(to) });
    return `<a href="?${escapeHtml(query.toString())}" rel="${to < number ? "prev" : "next"}">${label}</a>`;
  };
  const first = (number - 1) * BOARDS_PER_PAGE + 1;
  const last = Math.min(page.matching, number * BOARDS_PER_PAGE);
  const shown =
    page.matching === 0
      ? "no board matches"
      : `boards ${first}–${last} of ${page.matching}${board === undefined ? "" : ` matching “${escapeHtml(board)}” (${total} in all)`}`;
  return (
    `<nav class="paging" aria-label="Pages"><form method="get"><label>Board <input name="board" value="${escapeHtml(board ?? "")}"></label> <button>Show</button></form>` +
    `<p>${shown}, page ${number} of ${page.pages}${number > 1 ? ` · ${link(number - 1, "previous")}` : ""}${number < page.pages ? ` · ${link(number + 1, "next")}` : ""}</p></nav>`
  );
}
