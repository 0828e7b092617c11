package io.palisade.structure;

import com.sun.source.tree.AssignmentTree;
import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.ConditionalExpressionTree;
import com.sun.source.tree.EnhancedForLoopTree;
import com.sun.source.tree.ExpressionTree;
import com.sun.source.tree.IdentifierTree;
import com.sun.source.tree.LambdaExpressionTree;
import com.sun.source.tree.MemberReferenceTree;
import com.sun.source.tree.MemberSelectTree;
import com.sun.source.tree.MethodInvocationTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.NewClassTree;
import com.sun.source.tree.ParenthesizedTree;
import com.sun.source.tree.ReturnTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.TypeCastTree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.JavacTask;
import com.sun.source.util.TreePath;
import com.sun.source.util.TreePathScanner;
import com.sun.source.util.TreeScanner;
import com.sun.source.util.Trees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.PackageElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.type.WildcardType;
import javax.lang.model.util.Elements;
import javax.lang.model.util.Types;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * Finds the AWS SDK calls a Lambda function makes with its OWN credentials (its execution role,
 * which template.yaml governs), as opposed to calls through a role it assumes in a member account
 * (OrganizationAccountAccessRole, PalisadeBootstrap as the temp-admin, or the read-only PalisadeAudit), which it does not.
 *
 * <p>How: javac parses and attributes the function's module and functions/common (so every name
 * is resolved to its declaration and every call to its method), then
 * <ol>
 *   <li><b>code the function runs</b>: the top-level classes reachable from its handler class by
 *       any reference (type, call, field, constructor), within those sources;</li>
 *   <li><b>SDK calls</b>: every call of a method declared on an SDK client interface (a subtype of
 *       {@code SdkClient}: {@code iam.getRole(...)}, {@code organizations.listAccountsPaginator(...)})
 *       in that code, plus every {@code clients.assume(source, ...)} (an sts:AssumeRole made with
 *       {@code source});</li>
 *   <li><b>whose credentials</b>: a small flow analysis of the receiver back to where the client or
 *       the credentials were made (see {@link Origin}). {@link io.palisade.common.aws.Clients} is
 *       the one place clients are built, so its methods are the sources:
 *       <ul>
 *         <li>{@code clients.build(builder)}, {@code clients.control(builder)}, {@code clients.controlS3()},
 *             {@code clients.baseCredentials()}: OWN;</li>
 *         <li>{@code clients.build(builder, c)}, {@code clients.buildWithoutRetries(builder, c)},
 *             {@code clients.s3(c)}: whatever {@code c} is;</li>
 *         <li>{@code clients.cached(key, [c,] supplier)}: whatever the supplier returns;</li>
 *         <li>{@code clients.assume(...)}, {@code StaticCredentialsProvider.create(...)} (the
 *             temp-admin's key), {@code AbsentAccount.credentials(task)} (an account that does not
 *             exist yet: its clients make no call): OTHER;</li>
 *       </ul>
 *       and values flow through locals, fields (every assignment), parameters (every call site
 *       in the reachable code, constructors and {@code this(...)} included), the project's own
 *       methods (every {@code return}), lambdas and method references (what they return, at
 *       {@code f.apply(...)} / {@code get()} / {@code access.in(id)} of an
 *       {@link io.palisade.common.aws.AccountAccess}) and {@code a ? b : c} (both). So
 *       {@code credentialsIn(id)} that returns {@code baseCredentials()} for the management
 *       account and an assumed role elsewhere is {OWN, OTHER}: its calls must be allowed.</li>
 * </ol>
 * Whatever the analysis cannot follow (a client built outside {@code Clients}, a lambda
 * parameter holding a client) is {@link Origin#UNKNOWN}: the test reports it rather than
 * guessing. A call whose receiver nothing flows into in the reachable code has no origin at all:
 * the function never makes it (e.g. TempAdminSession's GetSecretValue in a phase that uses only
 * its constants). What a library call is given (list.add(client)) counts as written to its
 * receiver, so clients kept in collections are followed too.
 *
 * <p>Not seen: run-time guards ({@code accountId.equals(management) ? own : assumed} counts as
 * both); the test's EXCEPTIONS name the few expressions where a guard elsewhere decides.
 */
final class OwnSdkCalls {
    /** Where a client's or credentials provider's credentials can come from. */
    enum Origin {
        /** The function's execution role (the default credentials of the Lambda). */
        OWN,
        /** An assumed role or another principal's key: not governed by template.yaml. */
        OTHER,
        /** The analysis cannot tell. */
        UNKNOWN
    }

    /** One SDK operation called in a function's code. */
    record Call(String clientType, String operation, Set<Origin> origins, String file, long line,
                Set<String> requestMembers) {
        String where() {
            return file + ":" + line;
        }
    }

    private static final String CLIENTS = "io.palisade.common.aws.Clients";
    private static final String ACCOUNT_ACCESS = "io.palisade.common.aws.AccountAccess";
    private static final String SDK_CLIENT = "software.amazon.awssdk.core.SdkClient";
    private static final String CREDENTIALS = "software.amazon.awssdk.auth.credentials.AwsCredentialsProvider";
    /** Methods of a client interface that are not service operations. */
    private static final Set<String> NOT_OPERATIONS = Set.of("serviceName", "serviceClientConfiguration",
            "close", "utilities");

    private final JavacTask task;
    private final Trees trees;
    private final Types types;
    private final Elements elements;
    private final Map<TypeElement, TreePath> classes = new LinkedHashMap<>();

    /** Every assignment of a variable (initializer, {@code =}, enhanced-for element), by variable. */
    private final Map<Element, List<TreePath>> writes = new HashMap<>();
    private final Map<ExecutableElement, TreePath> methods = new HashMap<>();
    /** Every call of a method or constructor, by the method called. */
    private final Map<ExecutableElement, List<TreePath>> invocations = new HashMap<>();
    private final List<TreePath> sdkCalls = new ArrayList<>();
    private final List<TreePath> assumes = new ArrayList<>();

    /**
     * Expressions whose origin is known better than the analysis can tell ({@code "Class.method:
     * source text"}: a guard it cannot see), and which of them were used.
     */
    private final Map<String, Origin> overrides;
    final Set<String> overridesUsed = new java.util.TreeSet<>();
    /**
     * Conditions ({@code "Class.method: condition"}) under which the account acted in is never the
     * management account, by the branch (true: then / ?-true) where that holds: a value used there
     * is not the own role's, whatever flows into it.
     */
    private final Map<String, Boolean> guards;
    final Set<String> guardsUsed = new java.util.TreeSet<>();

    private OwnSdkCalls(JavacTask task, Iterable<? extends CompilationUnitTree> units, Map<String, Origin> overrides,
                        Map<String, Boolean> guards) {
        this.overrides = overrides;
        this.guards = guards;
        this.task = task;
        this.trees = Trees.instance(task);
        this.types = task.getTypes();
        this.elements = task.getElements();
        for (CompilationUnitTree unit : units) {
            new Indexer().scan(unit, null);
        }
    }

    /** Parses and attributes functions/{module} and functions/common against the test classpath. */
    static OwnSdkCalls of(String module, Map<String, Origin> overrides, Map<String, Boolean> guards) {
        List<Path> sources = new ArrayList<>();
        sources.addAll(javaFiles(Repository.file("functions/" + module + "/src/main/java")));
        sources.addAll(javaFiles(Repository.file("functions/common/src/main/java")));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            throw new IllegalStateException("No system Java compiler: run the tests on a JDK");
        }
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, null, StandardCharsets.UTF_8);
        JavacTask task = (JavacTask) javac.getTask(null, files, diagnostics,
                List.of("-proc:none", "-implicit:none", "-classpath", System.getProperty("java.class.path")),
                null, files.getJavaFileObjectsFromPaths(sources));
        try {
            Iterable<? extends CompilationUnitTree> units = task.parse();
            task.analyze();
            List<String> errors = diagnostics.getDiagnostics().stream()
                    .filter(d -> d.getKind() == Diagnostic.Kind.ERROR).map(Object::toString).toList();
            if (!errors.isEmpty()) {
                throw new IllegalStateException("functions/" + module + " does not compile here: " + errors);
            }
            return new OwnSdkCalls(task, units, overrides, guards);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Path> javaFiles(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The top-level classes of these sources that {@code handler} reaches, itself included. */
    Set<TypeElement> reachableFrom(String handler) {
        TypeElement start = elements.getTypeElement(handler);
        if (start == null || !classes.containsKey(start)) {
            throw new IllegalArgumentException("Handler class " + handler + " is not in these sources");
        }
        Set<TypeElement> reached = new LinkedHashSet<>();
        Deque<TypeElement> todo = new ArrayDeque<>(List.of(start));
        while (!todo.isEmpty()) {
            TypeElement next = todo.pop();
            if (!reached.add(next)) {
                continue;
            }
            new TreePathScanner<Void, Void>() {
                @Override
                public Void scan(Tree tree, Void unused) {
                    if (tree != null && getCurrentPath() != null) {
                        Element e = trees.getElement(new TreePath(getCurrentPath(), tree));
                        TypeElement top = e == null ? null : topLevel(e);
                        if (top != null && classes.containsKey(top) && !reached.contains(top)) {
                            todo.push(top);
                        }
                    }
                    return super.scan(tree, unused);
                }
            }.scan(classes.get(next), null);
        }
        return reached;
    }

    /** The SDK calls of the code the handler reaches, each with whose credentials it may act. */
    List<Call> callsOf(String handler) {
        Set<TypeElement> reachable = reachableFrom(handler);
        // to a fixed point: a value met again while being computed (a cycle) first counts as what
        // the previous round found for it, and rounds repeat until nothing changes
        Map<Object, Set<Origin>> previous = new IdentityHashMap<>();
        for (int round = 1; ; round++) {
            Flow flow = new Flow(reachable, previous);
            List<Call> calls = calls(flow, reachable);
            // (not IdentityHashMap.equals: it compares the values by identity too)
            Map<Object, Set<Origin>> before = previous;
            if (flow.memo.size() == before.size() && flow.memo.entrySet().stream()
                    .allMatch(e -> e.getValue().equals(before.get(e.getKey())))) {
                return calls;
            }
            if (round > 100) {
                throw new IllegalStateException("No fixed point for " + handler + " after " + round + " rounds");
            }
            previous = flow.memo;
        }
    }

    private List<Call> calls(Flow flow, Set<TypeElement> reachable) {
        List<Call> calls = new ArrayList<>();
        for (TreePath call : sdkCalls) {
            if (!reachable.contains(topLevelOf(call))) {
                continue;
            }
            MethodInvocationTree invocation = (MethodInvocationTree) call.getLeaf();
            ExecutableElement method = method(call);
            String client = ((TypeElement) method.getEnclosingElement()).getQualifiedName().toString();
            Set<Origin> origins = invocation.getMethodSelect() instanceof MemberSelectTree select
                    ? flow.origin(new TreePath(new TreePath(call, select), select.getExpression()))
                    : EnumSet.of(Origin.UNKNOWN); // a client calling itself: not in this code
            calls.add(new Call(client, method.getSimpleName().toString(), origins, file(call), line(call),
                    requestMembers(invocation)));
        }
        for (TreePath call : assumes) {
            if (!reachable.contains(topLevelOf(call))) {
                continue;
            }
            MethodInvocationTree invocation = (MethodInvocationTree) call.getLeaf();
            Set<Origin> origins = flow.origin(new TreePath(call, invocation.getArguments().get(0)));
            calls.add(new Call("software.amazon.awssdk.services.sts.StsClient", "assumeRole", origins,
                    file(call), line(call), Set.of()));
        }
        return calls;
    }

    /**
     * The names selected in the request argument ({@code r -> r.name(...).tags(...)}: name, tags):
     * some operations need another action when the request sets a member (tags, a role to pass).
     */
    private static Set<String> requestMembers(MethodInvocationTree invocation) {
        Set<String> found = new java.util.TreeSet<>();
        new TreeScanner<Void, Void>() {
            @Override
            public Void visitMemberSelect(MemberSelectTree node, Void unused) {
                found.add(node.getIdentifier().toString());
                return super.visitMemberSelect(node, unused);
            }
        }.scan(invocation.getArguments(), null);
        return found;
    }

    // ------------------------------------------------------------------ the flow analysis

    /** Whose credentials a value (client, credentials provider, or function returning one) carries. */
    private final class Flow {
        private final Set<TypeElement> reachable;
        private final Map<Object, Set<Origin>> memo = new IdentityHashMap<>();
        private final Map<Object, Set<Origin>> previous;

        Flow(Set<TypeElement> reachable, Map<Object, Set<Origin>> previous) {
            this.reachable = reachable;
            this.previous = previous;
        }

        Set<Origin> origin(TreePath path) {
            Tree tree = path.getLeaf();
            Set<Origin> origins = memoized(tree, () -> compute(path));
            if (origins.contains(Origin.OWN) && guarded(path)) {
                Set<Origin> other = EnumSet.copyOf(origins);
                other.remove(Origin.OWN);
                other.add(Origin.OTHER);
                return other;
            }
            return origins;
        }

        /** Whether the expression is in a branch of a {@link #guards} condition that excludes the management account. */
        private boolean guarded(TreePath path) {
            Tree child = path.getLeaf();
            for (TreePath p = path.getParentPath(); p != null; child = p.getLeaf(), p = p.getParentPath()) {
                Tree leaf = p.getLeaf();
                if (leaf instanceof MethodTree || leaf instanceof ClassTree) {
                    return false;
                }
                ExpressionTree condition = null;
                Boolean branch = null;
                if (leaf instanceof com.sun.source.tree.IfTree i) {
                    condition = i.getCondition();
                    branch = child == i.getThenStatement() ? Boolean.TRUE
                            : child == i.getElseStatement() ? Boolean.FALSE : null;
                } else if (leaf instanceof ConditionalExpressionTree c) {
                    condition = c.getCondition();
                    branch = child == c.getTrueExpression() ? Boolean.TRUE
                            : child == c.getFalseExpression() ? Boolean.FALSE : null;
                }
                while (condition instanceof ParenthesizedTree paren) {
                    condition = paren.getExpression();
                }
                if (condition != null && branch != null) {
                    String key = methodKey(p) + ": " + condition.toString().replaceAll("\\s+", " ");
                    if (branch.equals(guards.get(key))) {
                        guardsUsed.add(key);
                        return true;
                    }
                }
            }
            return false;
        }

        private Set<Origin> memoized(Object key, java.util.function.Supplier<Set<Origin>> compute) {
            Set<Origin> known = memo.get(key);
            if (known != null) {
                return known; // done, or in progress (a cycle adds nothing new)
            }
            memo.put(key, previous.getOrDefault(key, EnumSet.noneOf(Origin.class)));
            Set<Origin> result = union(previous.getOrDefault(key, EnumSet.noneOf(Origin.class)), compute.get());
            memo.put(key, result);
            return result;
        }

        private Set<Origin> compute(TreePath path) {
            Tree tree = path.getLeaf();
            String key = overrideKey(path);
            if (key != null && overrides.containsKey(key)) {
                overridesUsed.add(key);
                return EnumSet.of(overrides.get(key));
            }
            return switch (tree) {
                case ParenthesizedTree p -> origin(new TreePath(path, p.getExpression()));
                case TypeCastTree c -> origin(new TreePath(path, c.getExpression()));
                case ConditionalExpressionTree c -> union(origin(new TreePath(path, c.getTrueExpression())),
                        origin(new TreePath(path, c.getFalseExpression())));
                case LambdaExpressionTree l -> returned(path, l.getBody());
                case MemberReferenceTree r -> ofMethod(trees.getElement(path));
                case IdentifierTree i -> ofVariable(trees.getElement(path));
                case MemberSelectTree s -> ofVariable(trees.getElement(path));
                case MethodInvocationTree i -> invocation(path, i);
                case NewClassTree n -> carries(trees.getTypeMirror(path)) && isClientOrCredentials(trees.getTypeMirror(path))
                        ? EnumSet.of(Origin.UNKNOWN) // a client or provider made here, not by Clients
                        : EnumSet.noneOf(Origin.class); // a new container, or an object that is neither
                default -> carries(trees.getTypeMirror(path)) ? EnumSet.of(Origin.UNKNOWN) : EnumSet.noneOf(Origin.class);
            };
        }

        private Set<Origin> invocation(TreePath path, MethodInvocationTree invocation) {
            ExecutableElement method = method(path);
            TypeElement owner = (TypeElement) method.getEnclosingElement();
            String name = method.getSimpleName().toString();
            List<? extends ExpressionTree> args = invocation.getArguments();
            if (owner.getQualifiedName().contentEquals(CLIENTS)) {
                return switch (name) {
                    case "baseCredentials", "control", "controlS3" -> EnumSet.of(Origin.OWN);
                    case "build" -> args.size() == 1 ? EnumSet.of(Origin.OWN) : origin(new TreePath(path, args.get(1)));
                    case "buildWithoutRetries" -> origin(new TreePath(path, args.get(1)));
                    case "s3" -> origin(new TreePath(path, args.get(0)));
                    case "cached" -> origin(new TreePath(path, args.get(args.size() - 1)));
                    case "assume" -> EnumSet.of(Origin.OTHER);
                    default -> carries(method.getReturnType()) ? EnumSet.of(Origin.UNKNOWN) : EnumSet.noneOf(Origin.class);
                };
            }
            String ownerName = owner.getQualifiedName().toString();
            if (ownerName.equals("software.amazon.awssdk.auth.credentials.StaticCredentialsProvider")) {
                return EnumSet.of(Origin.OTHER); // a key given explicitly: the temp-admin's, never the role's
            }
            if (ownerName.equals("io.palisade.common.aws.AbsentAccount") && name.equals("credentials")) {
                // an account that does not exist yet: its clients answer locally, nothing acts as the role
                return EnumSet.of(Origin.OTHER);
            }
            if (ownerName.startsWith("software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider")) {
                return EnumSet.of(Origin.OWN);
            }
            ExpressionTree select = invocation.getMethodSelect();
            TreePath receiver = select instanceof MemberSelectTree s
                    ? new TreePath(new TreePath(path, s), s.getExpression()) : null;
            if (method.getModifiers().contains(Modifier.ABSTRACT) && owner.getKind() == ElementKind.INTERFACE
                    && elements.isFunctionalInterface(owner)) {
                // f.apply(...), supplier.get(), the project's own access.in(id): what the function returns
                return receiver == null ? EnumSet.of(Origin.UNKNOWN) : origin(receiver);
            }
            if (methods.containsKey(method)) {
                return ofMethod(method); // the project's own code: what it returns
            }
            if (carries(method.getReturnType()) && isClientOrCredentials(trees.getTypeMirror(path))
                    && isSdk(ownerName)) {
                return EnumSet.of(Origin.UNKNOWN); // e.g. IamClient.builder()...build(): not through Clients
            }
            // any other library call (Map.computeIfAbsent, Optional.orElse...): what goes in comes out
            Set<Origin> result = EnumSet.noneOf(Origin.class);
            if (!carries(trees.getTypeMirror(path))) {
                return result;
            }
            if (receiver != null && carries(trees.getTypeMirror(receiver))) {
                result.addAll(origin(receiver));
            }
            for (ExpressionTree arg : args) {
                TreePath argPath = new TreePath(path, arg);
                if (arg instanceof LambdaExpressionTree || arg instanceof MemberReferenceTree
                        || carries(trees.getTypeMirror(argPath))) {
                    result.addAll(origin(argPath));
                }
            }
            return result;
        }

        /** What a method returns: the union of its return statements. */
        private Set<Origin> ofMethod(Element element) {
            if (!(element instanceof ExecutableElement method) || !methods.containsKey(method)) {
                return EnumSet.of(Origin.UNKNOWN);
            }
            TreePath decl = methods.get(method);
            return memoized(method, () -> {
                MethodTree tree = (MethodTree) decl.getLeaf();
                return tree.getBody() == null ? EnumSet.of(Origin.UNKNOWN) : returned(decl, tree.getBody());
            });
        }

        /** What a lambda or method body returns (not counting nested lambdas and classes). */
        private Set<Origin> returned(TreePath owner, Tree body) {
            if (body instanceof ExpressionTree e) {
                return origin(new TreePath(owner, e));
            }
            Set<Origin> result = EnumSet.noneOf(Origin.class);
            new TreePathScanner<Void, Void>() {
                @Override
                public Void visitReturn(ReturnTree node, Void unused) {
                    if (node.getExpression() != null) {
                        result.addAll(origin(new TreePath(getCurrentPath(), node.getExpression())));
                    }
                    return null;
                }

                @Override
                public Void visitLambdaExpression(LambdaExpressionTree node, Void unused) {
                    return null;
                }

                @Override
                public Void visitClass(ClassTree node, Void unused) {
                    return null;
                }
            }.scan(new TreePath(owner, body), null);
            return result;
        }

        private Set<Origin> ofVariable(Element element) {
            if (!(element instanceof VariableElement variable)) {
                return EnumSet.noneOf(Origin.class); // a type or package name: the receiver of a static call
            }
            return memoized(variable, () -> {
                if (variable.getKind() == ElementKind.PARAMETER) {
                    return ofParameter(variable);
                }
                if (!carries(variable.asType())) {
                    return EnumSet.noneOf(Origin.class);
                }
                Set<Origin> result = EnumSet.noneOf(Origin.class);
                for (TreePath write : writes.getOrDefault(variable, List.of())) {
                    if (reachable.contains(topLevelOf(write))) {
                        result.addAll(origin(write));
                    }
                }
                return result;
            });
        }

        /** A method's parameter: every argument passed to it in the reachable code. */
        private Set<Origin> ofParameter(VariableElement parameter) {
            if (!carries(parameter.asType())) {
                return EnumSet.noneOf(Origin.class);
            }
            Element owner = parameter.getEnclosingElement();
            int index = owner instanceof ExecutableElement m ? m.getParameters().indexOf(parameter) : -1;
            if (index < 0) {
                return EnumSet.of(Origin.UNKNOWN); // a lambda's parameter: nothing to follow
            }
            Set<Origin> result = EnumSet.noneOf(Origin.class);
            for (TreePath call : invocations.getOrDefault((ExecutableElement) owner, List.of())) {
                if (!reachable.contains(topLevelOf(call))) {
                    continue;
                }
                List<? extends ExpressionTree> args = switch (call.getLeaf()) {
                    case MethodInvocationTree i -> i.getArguments();
                    case NewClassTree n -> n.getArguments();
                    default -> List.of();
                };
                if (index < args.size()) {
                    result.addAll(origin(new TreePath(call, args.get(index))));
                }
            }
            return result;
        }
    }

    /** {@code "TopLevelClass.method: source"} of an expression, for {@link #overrides}. */
    private String overrideKey(TreePath path) {
        if (!(path.getLeaf() instanceof MethodInvocationTree || path.getLeaf() instanceof IdentifierTree)) {
            return null;
        }
        String method = methodKey(path);
        return method == null ? null : method + ": " + path.getLeaf().toString().replaceAll("\\s+", " ");
    }

    /** {@code "TopLevelClass.method"} of the method a tree is in. */
    private String methodKey(TreePath path) {
        for (TreePath p = path; p != null; p = p.getParentPath()) {
            if (p.getLeaf() instanceof MethodTree m) {
                TypeElement top = topLevelOf(path);
                return top == null ? null : top.getSimpleName() + "." + m.getName();
            }
        }
        return null;
    }

    private static Set<Origin> union(Set<Origin> a, Set<Origin> b) {
        Set<Origin> result = EnumSet.noneOf(Origin.class);
        result.addAll(a);
        result.addAll(b);
        return result;
    }

    // ------------------------------------------------------------------ types

    /** A type that can hold credentials: a client, a provider, or anything generic over one (Function<String, IamClient>). */
    private boolean carries(TypeMirror type) {
        return carries(type, 0);
    }

    private boolean carries(TypeMirror type, int depth) {
        if (type == null || depth > 4) {
            return false;
        }
        return switch (type.getKind()) {
            case TYPEVAR -> true;
            case WILDCARD -> carries(((WildcardType) type).getExtendsBound(), depth + 1)
                    || carries(((WildcardType) type).getSuperBound(), depth + 1);
            case DECLARED -> isClientOrCredentials(type) || isAccountAccess(type)
                    || ((DeclaredType) type).getTypeArguments().stream().anyMatch(t -> carries(t, depth + 1));
            default -> false;
        };
    }

    /** {@code AccountAccess}: a function to credentials, so it carries what its lambdas return. */
    private boolean isAccountAccess(TypeMirror type) {
        TypeElement access = elements.getTypeElement(ACCOUNT_ACCESS);
        return access != null && type.getKind() == TypeKind.DECLARED
                && types.isSubtype(types.erasure(type), types.erasure(access.asType()));
    }

    private boolean isClientOrCredentials(TypeMirror type) {
        if (type == null || type.getKind() != TypeKind.DECLARED) {
            return false;
        }
        TypeMirror erased = types.erasure(type);
        return types.isSubtype(erased, types.erasure(elements.getTypeElement(SDK_CLIENT).asType()))
                || types.isSubtype(erased, types.erasure(elements.getTypeElement(CREDENTIALS).asType()));
    }

    private static boolean isSdk(String qualifiedName) {
        return qualifiedName.startsWith("software.amazon.awssdk.");
    }

    // ------------------------------------------------------------------ the index

    private final class Indexer extends TreePathScanner<Void, Void> {
        @Override
        public Void visitClass(ClassTree node, Void unused) {
            Element e = trees.getElement(getCurrentPath());
            if (e instanceof TypeElement type && type.getEnclosingElement() instanceof PackageElement) {
                classes.put(type, getCurrentPath());
            }
            return super.visitClass(node, unused);
        }

        @Override
        public Void visitMethod(MethodTree node, Void unused) {
            if (trees.getElement(getCurrentPath()) instanceof ExecutableElement m) {
                methods.put(m, getCurrentPath());
            }
            return super.visitMethod(node, unused);
        }

        @Override
        public Void visitVariable(VariableTree node, Void unused) {
            if (node.getInitializer() != null) {
                write(trees.getElement(getCurrentPath()), new TreePath(getCurrentPath(), node.getInitializer()));
            }
            return super.visitVariable(node, unused);
        }

        @Override
        public Void visitEnhancedForLoop(EnhancedForLoopTree node, Void unused) {
            // the loop variable takes what the iterable yields: as a library call, what goes in comes out
            write(trees.getElement(new TreePath(getCurrentPath(), node.getVariable())),
                    new TreePath(getCurrentPath(), node.getExpression()));
            return super.visitEnhancedForLoop(node, unused);
        }

        @Override
        public Void visitAssignment(AssignmentTree node, Void unused) {
            write(trees.getElement(new TreePath(getCurrentPath(), node.getVariable())),
                    new TreePath(getCurrentPath(), node.getExpression()));
            return super.visitAssignment(node, unused);
        }

        @Override
        public Void visitMethodInvocation(MethodInvocationTree node, Void unused) {
            ExecutableElement m = method(getCurrentPath());
            if (m != null) {
                invocations.computeIfAbsent(m, k -> new ArrayList<>()).add(getCurrentPath());
                TypeElement owner = (TypeElement) m.getEnclosingElement();
                if (owner.getQualifiedName().toString().startsWith("java.")) {
                    // list.add(client), map.put(key, provider): what a library call is given may
                    // come out of its receiver later, so each argument counts as written to it
                    if (node.getMethodSelect() instanceof MemberSelectTree select) {
                        Element receiver = trees.getElement(new TreePath(new TreePath(getCurrentPath(), select),
                                select.getExpression()));
                        for (ExpressionTree arg : node.getArguments()) {
                            write(receiver, new TreePath(getCurrentPath(), arg));
                        }
                    }
                }
                if (owner.getQualifiedName().contentEquals(CLIENTS) && m.getSimpleName().contentEquals("assume")) {
                    assumes.add(getCurrentPath());
                } else if (owner.getKind() == ElementKind.INTERFACE && isClientOrCredentials(owner.asType())
                        && types.isSubtype(types.erasure(owner.asType()),
                                types.erasure(elements.getTypeElement(SDK_CLIENT).asType()))
                        && !NOT_OPERATIONS.contains(m.getSimpleName().toString())
                        && !m.getModifiers().contains(Modifier.STATIC)) {
                    sdkCalls.add(getCurrentPath());
                }
            }
            return super.visitMethodInvocation(node, unused);
        }

        @Override
        public Void visitNewClass(NewClassTree node, Void unused) {
            if (trees.getElement(getCurrentPath()) instanceof ExecutableElement constructor) {
                invocations.computeIfAbsent(constructor, k -> new ArrayList<>()).add(getCurrentPath());
            }
            return super.visitNewClass(node, unused);
        }

        private void write(Element variable, TreePath value) {
            if (variable instanceof VariableElement) {
                writes.computeIfAbsent(variable, k -> new ArrayList<>()).add(value);
            }
        }
    }

    private ExecutableElement method(TreePath invocation) {
        MethodInvocationTree tree = (MethodInvocationTree) invocation.getLeaf();
        return trees.getElement(new TreePath(invocation, tree.getMethodSelect())) instanceof ExecutableElement m
                ? m : null;
    }

    private static TypeElement topLevel(Element e) {
        Element current = e;
        while (current != null && !(current.getEnclosingElement() instanceof PackageElement)) {
            current = current.getEnclosingElement();
        }
        return current instanceof TypeElement t ? t : null;
    }

    private TypeElement topLevelOf(TreePath path) {
        for (TreePath p = path; p != null; p = p.getParentPath()) {
            if (p.getLeaf() instanceof ClassTree && p.getParentPath().getLeaf() instanceof CompilationUnitTree) {
                return (TypeElement) trees.getElement(p);
            }
        }
        return null;
    }

    private static String file(TreePath path) {
        String name = path.getCompilationUnit().getSourceFile().getName();
        return name.substring(name.lastIndexOf('/') + 1);
    }

    /** The line of the called method's name (a chained call's receiver may start lines earlier). */
    private long line(TreePath path) {
        MethodInvocationTree call = (MethodInvocationTree) path.getLeaf();
        CompilationUnitTree unit = path.getCompilationUnit();
        long position = call.getMethodSelect() instanceof MemberSelectTree select
                ? trees.getSourcePositions().getEndPosition(unit, select) - select.getIdentifier().length()
                : trees.getSourcePositions().getStartPosition(unit, call);
        return unit.getLineMap().getLineNumber(position);
    }
}
