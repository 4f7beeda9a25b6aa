import type { SerialLog } from "../log/SerialLog";
import type { UartSettings } from "../board/BoardConfig";

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Opens the console's UART as the board manifest names it. A debug build's debugger holds UART 0
 * for xsbug (the SDK's build/devices/esp32/lib/debugger/debugger_uart.c), so there the SDK's Serial
 * throws "port in use"; the console then moves to the manifest's debug-build UART, and says so. The
 * board runs on without a console rather than stopping at boot when neither opens.
 */
export function openConsoleUart(options: {
  readonly open: (uart: UartSettings, onBytes: (bytes: Uint8Array) => void) => void;
  readonly console: UartSettings;
  readonly debugConsole?: UartSettings;
  readonly onBytes: (bytes: Uint8Array) => void;
  readonly log: Pick<SerialLog, "event">;
}): UartSettings | undefined {
  const { open, onBytes, log } = options;
  try {
    open(options.console, onBytes);
    return options.console;
  } catch (error) {
    const debugConsole = options.debugConsole;
    if (!debugConsole) {
      log.event("CN912", { port: options.console.port, reason: reason(error) });
      return undefined;
    }
    try {
      open(debugConsole, onBytes);
    } catch (second) {
      log.event("CN912", { port: debugConsole.port, reason: reason(second) });
      return undefined;
    }
    log.event("CN911", { port: options.console.port, reason: reason(error), console: debugConsole.port });
    return debugConsole;
  }
}
