/*
 * PropsDump.java - the Java side of the comparison in 05-props-java.sh: loads
 * each file with java.util.Properties.load(Reader) (UTF-8) and prints
 * "== FILE", then every key=value as UTF-16 code units in hex, sorted, or
 * "ERROR" if load() throws.  Run as `java PropsDump.java FILE...`.
 */
import java.io.FileInputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;

public class PropsDump {
    static String hex(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++)
            b.append(String.format("%04x", (int) s.charAt(i)));
        return b.toString();
    }

    public static void main(String[] args) throws Exception {
        StringBuilder out = new StringBuilder();
        for (String a : args) {
            out.append("== ").append(a).append('\n');
            Properties p = new Properties();
            try (Reader r = new InputStreamReader(new FileInputStream(a),
                    StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (IllegalArgumentException e) {
                out.append("ERROR\n");
                continue;
            }
            List<String> lines = new ArrayList<>();
            for (String k : p.stringPropertyNames())
                lines.add(hex(k) + "=" + hex(p.getProperty(k)));
            Collections.sort(lines);
            for (String l : lines)
                out.append(l).append('\n');
        }
        System.out.print(out);
        System.out.flush();
    }
}
