import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";

/** Another curation or compaction holds the lake's lock. */
export class LakeBusy extends Error {}

/** What holds the lock, for the message a refused run gives. */
export type LakeActivity = "curation" | "compaction";

interface Holder {
  readonly pid: number | undefined;
  readonly activity: string | undefined;
  readonly host: string | undefined;
}

function parseHolder(text: string): Holder {
  const [pid, activity, host] = text.trim().split(" ");
  const number = Number(pid);
  return { pid: Number.isInteger(number) && number > 0 ? number : undefined, activity, host };
}

/** Whether the process exists: signal 0 checks without sending anything (EPERM: it exists, owned by someone else). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A lock this machine's process left when it died: only then is it safe to take over without a person. */
function isStale(holder: Holder): boolean {
  return holder.pid !== undefined && holder.host === hostname() && !alive(holder.pid);
}

/**
 * One writer per lake at a time: two curators would both take the same new objects, and a
 * compaction must see a partition's file set stay put while it merges and deletes. The lock file
 * names the holder's process and host. A run that died (killed, or the laptop crashed) leaves it
 * behind; a later run on the same host whose holder process is gone takes it over, so the twin's
 * next start curates again without a person deleting files. A lock from another host, or in an
 * older form without one, is left for a person.
 */
export async function lockLake(file: string, activity: LakeActivity): Promise<() => Promise<void>> {
  await mkdir(path.dirname(file), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(file, "wx");
      await handle.writeFile(`${process.pid} ${activity} ${hostname()}\n`);
      await handle.close();
      return () => rm(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = parseHolder(await readFile(file, "utf8").catch(() => ""));
    if (attempt === 0 && isStale(holder) && (await setAsideStale(file))) continue;
    throw new LakeBusy(
      `${file} exists: another ${holder.activity ?? "curation or compaction"}${holder.pid ? ` (process ${holder.pid}${holder.host ? ` on ${holder.host}` : ""})` : ""} is running on this lake; if none is, delete the file`,
    );
  }
}

/**
 * Moves a stale lock aside under a name of this process's own. Two runs may find the same stale
 * lock: the rename lets only one of them take it, and the one that finds it has taken a live
 * holder's fresh lock instead (another run got there first) puts it back and stays out.
 */
async function setAsideStale(file: string): Promise<boolean> {
  const aside = `${file}.stale-${process.pid}`;
  try {
    await rename(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return true;
    throw error;
  }
  if (isStale(parseHolder(await readFile(aside, "utf8").catch(() => "")))) {
    await rm(aside, { force: true });
    return true;
  }
  await rename(aside, file);
  return false;
}
