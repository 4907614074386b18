// A stand-in for the `electron` module, for running the bundled desktop entry (dist-electron/index.cjs) in
// plain Node: Electron's binary cannot run in CI. It records what the app does on `globalThis.__fakeElectron`
// and lets the test drive it (ready, IPC calls, closing the window, quitting). A test double of Electron only.
const { EventEmitter } = require('node:events');

const fake = {
  handlers: new Map(),
  windows: [],
  trays: [],
  notifications: [],
  clipboard: [],
  loginItems: [],
  switches: [],
  errorBox: null,
  quitted: false,
  exitCode: null,
  appUserModelIds: [],
};
globalThis.__fakeElectron = fake;

const cancellable = () => ({ defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } });

let markReady;
const ready = new Promise((resolve) => (markReady = resolve));
const app = Object.assign(new EventEmitter(), {
  getAppPath: () => process.env.FAKE_ELECTRON_APP_PATH,
  getPath: () => process.env.FAKE_ELECTRON_USER_DATA,
  requestSingleInstanceLock: () => true,
  commandLine: { appendSwitch(name, value) { fake.switches.push([name, value]); } },
  whenReady: () => ready,
  quit() {
    const event = cancellable();
    app.emit('before-quit', event);
    if (!event.defaultPrevented) fake.quitted = true;
  },
  exit(code) { fake.exitCode = code; },
  setLoginItemSettings(settings) { fake.loginItems.push(settings); },
  setAppUserModelId(id) { fake.appUserModelIds.push(id); },
  getLoginItemSettings: () => ({ wasOpenedAtLogin: false }),
  dock: undefined,
});
fake.app = app;
fake.ready = () => markReady();

class BrowserWindow extends EventEmitter {
  constructor(options) {
    super();
    this.options = options;
    this.visible = false;
    this.closed = false;
    this.webContents = { id: 7 };
    fake.windows.push(this);
    setImmediate(() => this.emit('ready-to-show'));
  }
  loadFile(file) { this.loadedFile = file; return Promise.resolve(); }
  show() { this.visible = true; this.emit('show'); }
  hide() { this.visible = false; this.emit('hide'); }
  focus() {}
  restore() {}
  isMinimized() { return false; }
  isDestroyed() { return this.closed; }
  close() {
    const event = cancellable();
    this.emit('close', event);
    if (!event.defaultPrevented) this.closed = true;
  }
}

class Tray extends EventEmitter {
  constructor(image) { super(); this.image = image; fake.trays.push(this); }
  setImage(image) { this.image = image; }
  setToolTip(text) { this.tooltip = text; }
  setContextMenu(menu) { this.template = menu.template; }
  isDestroyed() { return false; }
  destroy() {}
}

class Notification {
  constructor(options) { this.options = options; }
  show() { fake.notifications.push(this.options); }
  static isSupported() { return true; }
}

module.exports = {
  app,
  BrowserWindow,
  Tray,
  Notification,
  Menu: { buildFromTemplate: (template) => ({ template }) },
  nativeImage: { createFromPath: (path) => ({ path, setTemplateImage() {} }) },
  ipcMain: {
    handle: (channel, listener) => fake.handlers.set(channel, listener),
    removeHandler: (channel) => fake.handlers.delete(channel),
  },
  safeStorage: {
    isEncryptionAvailable: () => true,
    getSelectedStorageBackend: () => 'gnome_libsecret',
    encryptString: (text) => Buffer.from(text, 'utf8').reverse(),
    decryptString: (buffer) => Buffer.from(buffer).reverse().toString('utf8'),
  },
  clipboard: { writeText: (text) => fake.clipboard.push(text) },
  dialog: { showErrorBox: (title, message) => { fake.errorBox = { title, message }; } },
  shell: { openExternal: async () => {} },
};
