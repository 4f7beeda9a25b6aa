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
): Promise<{ url: string }> {
  const implementation = hostImplementations[specifier];
  // Handing the file on to the next resolver (tsx's) lets it compile the TypeScript implementation.
  return nextResolve(implementation ? pathToFileURL(implementation).href : specifier, context);
}
