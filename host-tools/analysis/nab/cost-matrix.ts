import { readFileSync } from "node:fs";

/** Weights of one NAB application profile (config/profiles.json). */
export interface CostMatrix {
  readonly tpWeight: number;
  readonly fpWeight: number;
  readonly fnWeight: number;
}

export type ProfileName = "standard" | "reward_low_FP_rate" | "reward_low_FN_rate";
export const PROFILE_NAMES: readonly ProfileName[] = ["standard", "reward_low_FP_rate", "reward_low_FN_rate"];

/** Reads config/profiles.json; every profile must carry numeric tp/fp/fn weights. */
export function readProfiles(path: string): Map<ProfileName, CostMatrix> {
  const parsed = JSON.parse(readFileSync(path, "utf8")) as Record<string, { CostMatrix?: Record<string, unknown> }>;
  const profiles = new Map<ProfileName, CostMatrix>();
  for (const name of PROFILE_NAMES) {
    const matrix = parsed[name]?.CostMatrix;
    const weight = (key: string): number => {
      const value = matrix?.[key];
      if (typeof value !== "number") throw new Error(`${path}: profile "${name}" has no numeric CostMatrix.${key}`);
      return value;
    };
    profiles.set(name, { tpWeight: weight("tpWeight"), fpWeight: weight("fpWeight"), fnWeight: weight("fnWeight") });
  }
  return profiles;
}
