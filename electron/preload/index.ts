import { contextBridge, ipcRenderer } from 'electron';
import { buildApi } from './api';

// The one place raw ipcRenderer is used: window.api is one method per channel plus `on`.
contextBridge.exposeInMainWorld('api', buildApi(ipcRenderer));
