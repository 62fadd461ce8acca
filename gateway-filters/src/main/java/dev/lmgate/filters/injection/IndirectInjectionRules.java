package dev.lmgate.filters.injection;

import static dev.lmgate.filters.injection.InjectionRules.add;

import com.google.re2j.Pattern;
import dev.lmgate.filters.injection.InjectionRules.Rule;
import java.util.List;

/**
 * The rules for indirect injection (orders addressed to the assistant inside third-party content: a
 * tool result, a pasted document, a web page) and the frame that says a text carries such content.
 * The rules are the last part of {@link InjectionRules#ALL}; the frame is not a scoring rule
 * (weight 0) and reaches the detector as {@link InjectionRules#FRAME}.
 */
final class IndirectInjectionRules {
  private IndirectInjectionRules() {}

  /**
   * What code reads that it has no business sending: environment variables (where secrets live),
   * credential and key stores, browser cookie stores, the host's inventory, a command's captured
   * output, keystrokes, the clipboard and the screen.
   */
  private static final String SENSITIVE_SOURCE =
      "os\\.environ|\\bgetenv\\b|process\\.env\\b|\\.ssh/|\\bid_(?:rsa|dsa|ecdsa|ed25519)\\b"
          + "|/etc/(?:passwd|shadow)|\\.aws/credentials|\\.netrc\\b|\\.git-credentials|\\.kube/config"
          + "|\\bkeychain\\b|\\bkeyring\\.|\\bwallet\\.dat\\b|\\blogin data\\b"
          + "|cookie_?jar|browser_cookie|document\\.cookie|load_cookie|simplecookie"
          + "|\\bcookies?\\.(?:txt|sqlite|json|pkl|db)\\b"
          + "|\\bpsutil\\.|\\bplatform\\.(?:uname|node|system|platform|machine|processor|version)\\("
          + "|gethostname|getpass\\.getuser|os\\.uname|os\\.getlogin|uuid\\.getnode|\\bwmi\\."
          + "|subprocess\\.(?:check_output|getoutput)|os\\.popen"
          + "|\\bpynput\\b|\\bkeyboard\\.(?:on_press|hook|read_key|record)|clipboard"
          + "|imagegrab|screenshot";

  /** Code that sends data to another host: HTTP, mail, file-transfer and socket clients. */
  private static final String NETWORK_SINK =
      "requests\\.(?:post|put|patch|get)|urllib|urlopen|http\\.client|httpconnection|\\bhttpx\\."
          + "|aiohttp|\\bfetch\\(|\\baxios\\b|\\bcurl\\b|\\bwget\\b|ftplib|\\bftp\\(|paramiko"
          + "|\\bsftp|\\bscp\\.|smtplib|\\.smtp(?:_ssl)?\\(|sendmail|\\bsocket\\.|\\.sendto\\("
          + "|\\.sendall\\(|\\bmqtt\\b|webhook";

  private static final String CODE_PIECE =
      "(?:block|snippet|excerpt|section|segment|fragment|piece|sample)";

  /** The reader's own work, as an injected order to add code names it. */
  private static final String YOUR_WORK =
      "your (?:own )?(?:code|codebase|solution|implementation|program|script|algorithm|answer"
          + "|response|reply)\\b";

  /**
   * Text that frames what follows as third-party content (an email, a web page, a table, an answer
   * found online): inside it, orders addressed to the assistant are injections, not requests.
   */
  private static final List<String> FRAME_WORDS =
      List.of(
          "mail",
          "message",
          "document",
          "article",
          "table",
          "page",
          "post",
          "answer",
          "review",
          "transcript",
          "report",
          "file",
          "search result",
          "passage",
          "excerpt",
          "tweet",
          "comment",
          "letter",
          "found online",
          "on the web",
          "on the internet",
          "inbox");

  private static final Pattern DOCUMENT_FRAME =
      Pattern.compile(
          "\\b(?:here is|here's|below is|attached is|i (?:got|received|found)|read|summari[sz]e|"
              + "translate|answer (?:the|my|this) question (?:using|from|based on))"
              + " (?:an? |the |this |my |some )?(?:following )?(?:e-?mail|message|document|"
              + "article|table|web ?page|page|post|answer|review|transcript|report|file|"
              + "search results?|passage|excerpt|tweet|comment|letter|newsletter)\\b"
              + "|\\b(?:using|from|in) (?:this|the following|the attached) (?:e-?mail|document|"
              + "article|table|web ?page|page|post|review|transcript|report|file|passage|excerpt)"
              + "\\b|\\b(?:i found|found) (?:online|on the (?:web|internet))\\b"
              + "|\\bfrom my inbox\\b");

  /** The frame as a rule, so a rule set can find it in the same pass as the others. */
  static final Rule FRAME = new Rule("frame/document", 0, FRAME_WORDS, DOCUMENT_FRAME);

  /** Appends the indirect rules to {@code r}. */
  static void addTo(List<Rule> r) {
    // --- indirect injection: orders addressed to the assistant inside third-party content
    add(
        r,
        "indirect/addressed-to-assistant",
        0.5,
        List.of(
            "attention to",
            "attention for",
            "note to",
            "note for",
            "important to",
            "important for",
            "instruction to",
            "instructions to",
            "instruction for",
            "instructions for",
            "message to",
            "message for",
            "dear ",
            "hey ",
            "hello ",
            "hi ",
            "if you are a"),
        "\\b(?:attention|note|important|instruction|message)s? (?:to|for) (?:the )?(?:ai|assistant|"
            + "model|chatbot|language model|llm|gpt|system)\\b|\\b(?:dear|hey|hi|hello) "
            + "(?:ai|assistant|chatgpt|gpt|model|llm|bot)\\b.{0,40}\\b(?:please|must|should|ignore|"
            + "instead)\\b|\\bif you are (?:an? )?(?:ai|assistant|language model|llm|chatbot)\\b");
    add(
        r,
        "indirect/response-directive",
        0.5,
        List.of(
            "your reply",
            "your response",
            "your answer",
            "your output",
            "your summary",
            "your message",
            "your next",
            "respond ",
            "reply ",
            "answer ",
            "write your"),
        "\\b(?:in|into|to|within|throughout|at the (?:end|start|beginning) of) your "
            + "(?:reply|response|answer|output|summary|message|next message)s?\\b"
            + "|\\byour (?:reply|response|answer|output|summary) (?:must|should|will|needs to)\\b"
            + "|\\b(?:respond|reply|answer|write your (?:reply|answer|response)) "
            + "(?:only |entirely |exclusively )?(?:in|with|using) (?:[a-z]+ ){0,2}"
            + "(?:language|words|emojis?|code|numbers|reverse|pig latin|caps)");
    add(
        r,
        "indirect/exfiltrate-data",
        0.7,
        List.of("send", "forward", "upload", "email", "transmit", "exfiltrate", "leak", "]("),
        "\\b(?:send|forward|post|upload|email|transmit|exfiltrate|leak)\\b.{0,40}\\b(?:password|"
            + "credentials?|api keys?|tokens?|cookies?|session|private data|conversation|chat "
            + "history|personal (?:data|information))\\b.{0,40}\\b(?:to|at)\\b"
            + "|!\\[[^\\]]{0,40}\\]\\(https?://[^)]{0,200}(?:\\?|&)[a-z_]+=");
    add(
        r,
        "indirect/malicious-link",
        0.55,
        List.of("http", "www."),
        "\\b(?:click|visit|go to|download|install|navigate to|open)\\b.{0,40}"
            + "(?:https?://|www\\.)[^\\s]+.{0,60}\\b(?:update|prize|verify|claim|login|password|"
            + "account|urgent|free)\\b");
    add(
        r,
        "indirect/hidden-system-command",
        0.6,
        List.of(
            "rm -rf",
            "dd if",
            "mkfs",
            "format c:",
            "shutdown",
            ":()",
            "curl",
            "wget",
            "urlretrieve",
            "urlopen",
            "requests.get",
            "http.request"),
        // commands that destroy the machine; a download piped to a shell; code fetched from the
        // network and run (not any process spawn: ordinary code starts processes all the time)
        "(?:\\brm -rf /|\\bdd if=/dev/(?:zero|random|urandom) of=/dev/[sh]d|:\\(\\)\\s*\\{\\s*:\\|:&"
            + "|\\bmkfs\\.|\\bformat c:|\\bshutdown -h now)"
            + "|\\b(?:curl|wget)\\b[^|\\n]{0,200}\\| ?(?:sudo )?(?:ba|z)?sh\\b"
            + "|(?:\\bcurl\\b|\\bwget\\b|urlretrieve|urlopen|requests\\.get|http\\.request)[\\s\\S]{0,300}?"
            + "(?:\\bexec\\(|\\beval\\(|os\\.system\\(|subprocess\\.\\w+\\(|chmod \\+x|\\bnohup\\b)");
    // Code that gathers what a program has no business sending (secrets, credential stores,
    // browser cookies, the host's inventory, a command's output, the user's input) near code that
    // sends something over the network. Described by kind, not by any one payload: the corpus's
    // file names and device libraries are deliberately not listed. Only the sources are triggers
    // (the sink must be within the window around one): fewer windows to run the pattern in.
    add(
        r,
        "indirect/code-exfiltration",
        0.8,
        List.of(
            "environ",
            "getenv",
            "process.env",
            ".ssh",
            "id_rsa",
            "id_dsa",
            "id_ecdsa",
            "id_ed25519",
            "/etc/passwd",
            "/etc/shadow",
            ".aws",
            "netrc",
            "git-credentials",
            ".kube",
            "keychain",
            "keyring",
            "wallet",
            "login data",
            "cookie",
            "psutil",
            "platform.",
            "gethostname",
            "getuser",
            "uname",
            "getlogin",
            "getnode",
            "wmi.",
            "check_output",
            "getoutput",
            "popen",
            "pynput",
            "keyboard.",
            "clipboard",
            "imagegrab",
            "screenshot"),
        "(?:"
            + SENSITIVE_SOURCE
            + ")[\\s\\S]{0,400}?(?:"
            + NETWORK_SINK
            + ")|(?:"
            + NETWORK_SINK
            + ")[\\s\\S]{0,400}?(?:"
            + SENSITIVE_SOURCE
            + ")");
    // An order, inside third-party content, to put the code it carries into the answer: "the
    // following code block" and "your code/solution/answer" close together, in either order.
    add(
        r,
        "indirect/embed-code-directive",
        0.55,
        List.of("code"),
        "\\b(?:following|subsequent|below|attached|given) code "
            + CODE_PIECE
            + "\\b.{0,80}\\b"
            + YOUR_WORK
            + "|\\b"
            + YOUR_WORK
            + ".{0,80}\\b(?:following|subsequent|below|attached|given) code "
            + CODE_PIECE
            + "\\b");
    add(
        r,
        "indirect/response-rewrite",
        0.6,
        List.of("your reply", "your response", "your answer", "your message", "your output"),
        "\\b(?:enhance|augment|render|end|begin|start|conclude|format|write|compose|rewrite|"
            + "encode|translate|reverse|scramble|convert|present|deliver|structure|phrase|style|"
            + "craft|pad|prefix|sign|close|finish|open|decorate|spice up|season|garnish|pepper|"
            + "enrich|embellish|infuse|fill|sprinkle|punctuate|adorn|tailor|modify|alter)\\b "
            + "(?:all |each |every )?(?:of )?your (?:reply|replies|response|responses|answer|"
            + "answers|message|output|summary)");
  }
}
