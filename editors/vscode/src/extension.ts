// The Camp extension: highlighting comes from the TextMate grammar (package.json);
// everything else (diagnostics, completion, hover, definition, references, rename,
// outline, formatting, folding) from the language server `camp lsp`.
import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";

let client: LanguageClient | undefined;

function serverOptions(): ServerOptions {
  const config = vscode.workspace.getConfiguration("camp");
  const command = config.get<string>("server.path", "camp") || "camp";
  const args = config.get<string[]>("server.args", ["lsp"]);
  const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  return { command, args, transport: TransportKind.stdio, options: { cwd } };
}

const clientOptions: LanguageClientOptions = {
  documentSelector: [
    { scheme: "file", language: "camp" },
    { scheme: "untitled", language: "camp" },
  ],
};

async function start(): Promise<void> {
  client = new LanguageClient("camp", "Camp language server", serverOptions(), clientOptions);
  try {
    await client.start();
  } catch (err) {
    const command = vscode.workspace.getConfiguration("camp").get<string>("server.path", "camp");
    void vscode.window.showErrorMessage(
      `Camp: could not start the language server '${command} lsp' (${String(err)}). ` +
        "Install camp-lang (pip install camp-lang) or set camp.server.path.",
    );
  }
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.commands.registerCommand("camp.restartServer", async () => {
      await client?.stop();
      await start();
    }),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration("camp.server")) {
        await client?.stop();
        await start();
      }
    }),
  );
  await start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
