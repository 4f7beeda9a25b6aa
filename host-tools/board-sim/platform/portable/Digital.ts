import { listen, unlisten } from "./EventDispatch.ts";
import { expectOk } from "./HostPort.ts";
import { hostPort } from "./port.ts";

const INPUT = 0;
const INPUT_PULL_UP = 1;
const INPUT_PULL_DOWN = 2;
const INPUT_PULL_UP_DOWN = 3;
const OUTPUT = 8;
const OUTPUT_OPEN_DRAIN = 9;

interface DigitalOptions {
  pin: number;
  mode: number;
  edge?: number;
  onReadable?: (this: Digital) => void;
}

/** ECMA-419 `embedded:io/digital` on the board's simulated GPIO. */
export default class Digital {
  static readonly Input = INPUT;
  static readonly InputPullUp = INPUT_PULL_UP;
  static readonly InputPullDown = INPUT_PULL_DOWN;
  static readonly InputPullUpDown = INPUT_PULL_UP_DOWN;
  static readonly Output = OUTPUT;
  static readonly OutputOpenDrain = OUTPUT_OPEN_DRAIN;
  static readonly Rising = 1;
  static readonly Falling = 2;

  readonly #pin: number;
  #closed = false;

  constructor(options: DigitalOptions) {
    const modes = [INPUT, INPUT_PULL_UP, INPUT_PULL_DOWN, INPUT_PULL_UP_DOWN, OUTPUT, OUTPUT_OPEN_DRAIN];
    if (!modes.includes(options.mode)) throw new RangeError(`invalid digital mode ${options.mode} for pin ${options.pin}`);
    this.#pin = options.pin;
    const output = options.mode === OUTPUT || options.mode === OUTPUT_OPEN_DRAIN;
    expectOk(hostPort().request({ op: "digital.open", pin: options.pin, output }), `digital pin ${options.pin} open`);
    const onReadable = options.onReadable;
    const edge = options.edge ?? 0;
    if (onReadable && edge) {
      listen(`digital:${options.pin}`, (event) => {
        if (event.kind !== "digital" || this.#closed) return;
        if ((event.value === 1 && edge & Digital.Rising) || (event.value === 0 && edge & Digital.Falling)) onReadable.call(this);
      });
    }
  }

  get format(): "number" {
    return "number";
  }

  set format(value: "number") {
    if (value !== "number") throw new RangeError(`unsupported digital format ${String(value)}`);
  }

  read(): 0 | 1 {
    this.#check();
    const value = expectOk(hostPort().request({ op: "digital.read", pin: this.#pin }), `digital pin ${this.#pin} read`).value;
    return value === 1 ? 1 : 0;
  }

  write(value: 0 | 1): void {
    this.#check();
    expectOk(hostPort().request({ op: "digital.write", pin: this.#pin, value: value ? 1 : 0 }), `digital pin ${this.#pin} write`);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    unlisten(`digital:${this.#pin}`);
  }

  #check(): void {
    if (this.#closed) throw new Error(`digital pin ${this.#pin} is closed`);
  }
}
