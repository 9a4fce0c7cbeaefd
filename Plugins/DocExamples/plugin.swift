import Foundation
import PackagePlugin

/// Build-tool plugin: generates a Swift Testing file from the ```swift blocks of README.md
/// and Docs/*.md (with DocExampleExtractor), so the test target that uses it compiles every
/// documentation example and runs the cheap ones. The Markdown files are declared as
/// inputs: editing one re-runs the extraction on the next build. No network, no
/// dependencies: it reads files of this package only.
@main
struct DocExamples: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let package = context.package.directoryURL
        let docs = package.appendingPathComponent("Docs")
        let names = try FileManager.default.contentsOfDirectory(atPath: docs.path).filter { $0.hasSuffix(".md") }.sorted()
        let markdown = [package.appendingPathComponent("README.md")] + names.map { docs.appendingPathComponent($0) }
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("DocumentationExamples.swift")
        return [
            .buildCommand(
                displayName: "Extracting the Swift examples of README.md and Docs/*.md",
                executable: try context.tool(named: "DocExampleExtractor").url,
                arguments: [output.path, package.path] + markdown.map(\.path),
                inputFiles: markdown,
                outputFiles: [output])
        ]
    }
}
