import { pathToFileURL } from "node:url";
import { hostImplementations } from "./DeviceSpecifiers.ts";

/**
 * Node module-resolution hook: lets firmware modules import device specifiers (`timer`,
 * `embedded:io/i2c`, …) when a test loads them directly under Node.
 */
export async function resolve(
  specifier: string,
  context: { parentURL?: string },
  nextResolve: (specifier: string, context: { parentURL?: string }) => Promise<{ url: string }>,
): Promise<{ url: string; shortCircuit?: boolean }> {
  const implementation = hostImplementations[specifier];
  if (implementation) return { url: pathToFileURL(implementation).href, shortCircuit: true };
  return nextResolve(specifier, context);
}
