/**
 * Moddable's ESP32 OTA module ($(MODDABLE)/build/devices/esp32/modules/ota): @moddable/typings
 * does not declare it. `new OTA` erases the next app partition (esp_ota_begin); `write` appends
 * to it; `complete` checks the image and makes it the boot partition; `cancel` drops the session.
 */
declare module "esp32/ota" {
  export default class OTA {
    constructor();
    write(data: ArrayBuffer): void;
    complete(): void;
    cancel(): void;
  }
}
